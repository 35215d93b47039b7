from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from core.signatures import identity_provider_register

        from . import reauth

        # E-signatures of users signed in at the identity provider are confirmed there.
        identity_provider_register(reauth)
