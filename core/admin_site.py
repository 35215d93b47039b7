"""The admin site: only for users verified enough (second factor), and never a place where a
credential can be seen. Token keys, TOTP secrets and sessions are models no admin page may
show, whoever registers them; users manage their own tokens and devices on the app's pages."""

from django.contrib import admin
from django.db.models.base import ModelBase

# Models that hold a credential or something that works like one. Auditors' "view
# everything" permissions leave them out too (core.role_permissions).
CREDENTIAL_MODELS = frozenset(
    {
        "core.apitoken",
        "authtoken.token",
        "authtoken.tokenproxy",
        "otp_totp.totpdevice",
        "otp_static.staticdevice",
        "otp_static.statictoken",
        "otp_hotp.hotpdevice",
        "otp_email.emaildevice",
        "sessions.session",
    }
)


class VerifiedAdminSite(admin.AdminSite):
    def has_permission(self, request):
        from .second_factor import second_factor_satisfied

        return super().has_permission(request) and second_factor_satisfied(
            request.user, request.session
        )

    def register(self, model_or_iterable, admin_class=None, **options):
        models = model_or_iterable
        if isinstance(models, ModelBase):
            models = [models]
        allowed = [m for m in models if m._meta.label_lower not in CREDENTIAL_MODELS]
        if allowed:
            super().register(allowed, admin_class, **options)
