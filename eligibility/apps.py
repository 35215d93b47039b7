from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = _("Eligibility")

    def ready(self) -> None:
        from core import system_text

        from . import stage_entries
        from .texts import TEXTS

        stage_entries.register()
        system_text.register(TEXTS)
