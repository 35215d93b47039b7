from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients and treatment courses")

    def ready(self) -> None:
        from core import system_text

        from .texts import TEXTS

        system_text.register(TEXTS)
