"""Re-authentication before an electronic signature, through the backend the user signed in
with. Local and LDAP users re-enter their password (core.signatures.reauthenticate, through
``authenticate()``, which asks the directory); OIDC users go back to the identity provider
(``views.reauth_start``) and come back with a fresh ``auth_time``; the confirmation is kept
in the session for a few minutes and signs one request.
"""

import time

from django.conf import settings
from django.utils.translation import gettext as _

from .backends import SESSION_METHOD

SESSION_PENDING = "sso_reauth_pending"
SESSION_CONFIRMED = "sso_reauth_confirmed"
SESSION_ERROR = "sso_reauth_error"


def uses_identity_provider(request) -> bool:
    """True when this session's signature must be confirmed at the IdP, not by password."""
    return (
        settings.OIDC_ENABLED
        and request is not None
        and hasattr(request, "session")
        and request.session.get(SESSION_METHOD) == "oidc"
    )


def check_fresh_identity(
    *, claims: dict, expected_sub: str, started_at: int, skew_seconds: int
) -> str:
    """Empty when the ID token proves the same person logged in again just now; otherwise the
    reason, for the signing form. OpenID Connect Core 1.0 §3.1.2.1 (max_age, auth_time)."""
    if not expected_sub or str(claims.get("sub") or "") != expected_sub:
        return _("Someone else signed in at the identity provider. Nothing was signed.")
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, (int, float)) or auth_time < started_at - skew_seconds:
        return _("The identity provider did not ask for your password again. Nothing was signed.")
    return ""


def remember_confirmation(request, *, user) -> None:
    request.session[SESSION_CONFIRMED] = {"user_id": user.pk, "at": int(time.time())}
    request.session.pop(SESSION_ERROR, None)


def consume_confirmation(request, *, user) -> bool:
    """Use the IdP confirmation for one signing request: a later signature needs a new one.
    Within the request it stays valid (a service may check more than once)."""
    if getattr(request, "_sso_reauth_user_id", None) == user.pk:
        return True
    confirmed = request.session.pop(SESSION_CONFIRMED, None)
    if not confirmed or confirmed.get("user_id") != user.pk:
        return False
    if time.time() - confirmed["at"] > settings.OIDC_REAUTH_VALID_SECONDS:
        return False
    request._sso_reauth_user_id = user.pk
    return True


def has_fresh_confirmation(request) -> bool:
    confirmed = request.session.get(SESSION_CONFIRMED)
    return bool(
        confirmed
        and confirmed.get("user_id") == getattr(request.user, "pk", None)
        and time.time() - confirmed["at"] <= settings.OIDC_REAUTH_VALID_SECONDS
    )


def pending_error(request) -> str:
    return request.session.pop(SESSION_ERROR, "") if hasattr(request, "session") else ""
