from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfusionConfig(AppConfig):
    name = "infusion"
    verbose_name = _("Infusion")
