from django.conf import settings

from . import reauth


def single_sign_on(request):
    """Login button for OIDC, and for signing forms: does this session sign by confirming at
    the identity provider (instead of a password), and has it just done so?"""
    signs_at_idp = reauth.uses_identity_provider(request)
    confirmed = signs_at_idp and reauth.has_fresh_confirmation(request)
    return {
        "sso_oidc_enabled": settings.OIDC_ENABLED,
        "sso_oidc_label": settings.OIDC_LOGIN_LABEL,
        "sso_signs_at_idp": signs_at_idp,
        "sso_reauth_confirmed": confirmed,
        "sso_reauth_error": reauth.pending_error(request) if signs_at_idp else "",
        "sso_reauth_valid_minutes": settings.OIDC_REAUTH_VALID_SECONDS // 60,
    }
