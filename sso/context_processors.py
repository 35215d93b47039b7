from django.conf import settings


def single_sign_on(request):
    return {
        "sso_oidc_enabled": settings.OIDC_ENABLED,
        "sso_oidc_label": settings.OIDC_LOGIN_LABEL,
    }
