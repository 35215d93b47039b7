from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The start page and the project-level commands (the demo data): above every stage."""

    name = "home"
    verbose_name = _("Start page")

    def ready(self) -> None:
        from core import system_text

        from .texts import TEXTS

        system_text.register(TEXTS)
