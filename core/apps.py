from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = _("Users, wards and roles")

    def ready(self) -> None:
        from .role_permissions import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_role_permissions")

        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from .middleware import session_activity_start
        from .models import User
        from .services import _revoke_tokens_after_user_save

        user_logged_in.connect(session_activity_start, dispatch_uid="core.session_activity")
        post_save.connect(
            _revoke_tokens_after_user_save, sender=User, dispatch_uid="core.revoke_tokens"
        )

        from .append_only import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="core.append_only")

        from .audit import install_audit_guard
        from .validators import attach_plausible_date_validators

        attach_plausible_date_validators()
        install_audit_guard()

        from . import system_text
        from .texts import TEXTS

        system_text.register(TEXTS)


class VerifiedAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with core.admin_site's site as ``admin.site``."""

    default = False
    default_site = "core.admin_site.VerifiedAdminSite"
