from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApheresisConfig(AppConfig):
    name = "apheresis"
    verbose_name = _("Apheresis")

    def ready(self) -> None:
        from . import stage_entries

        stage_entries.register()
