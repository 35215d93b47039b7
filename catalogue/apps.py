from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """Reference data every stage shares: products, label data, indications, regimens,
    thresholds. Below the stages and below patients; it imports only core."""

    name = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from core import system_text

        from .texts import TEXTS

        system_text.register(TEXTS)
