from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterfacesConfig(AppConfig):
    """Inbound feeds from the hospital information system (HL7 v2 over MLLP, FHIR R4).
    Sits above patients and the stage apps and writes only through their services."""

    name = "interfaces"
    verbose_name = _("Hospital interfaces")

    def ready(self) -> None:
        from core import system_text

        from .texts import TEXTS

        system_text.register(TEXTS)
