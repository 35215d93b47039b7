from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Users, wards and roles")

    def ready(self) -> None:
        from .role_permissions import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_role_permissions")

        from .append_only import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, sender=self, dispatch_uid="core.append_only")

        from .audit import install_audit_guard
        from .validators import attach_plausible_date_validators

        attach_plausible_date_validators()
        install_audit_guard()
