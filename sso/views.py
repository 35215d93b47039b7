"""Pages of single sign-on: the OIDC login and callback (mozilla-django-oidc views, inert
unless OIDC is configured), the "no access" page, and re-authentication at the IdP before an
electronic signature."""

import time
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from mozilla_django_oidc.utils import absolutify, generate_code_challenge
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.second_factor import second_factor_passed

from . import reauth
from .backends import SESSION_DENIED, SESSION_METHOD, SESSION_MFA, SESSION_SUB, HospitalOIDCBackend


def _require_oidc() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("OIDC is not configured")


@method_decorator(login_not_required, name="dispatch")
class OIDCLoginView(OIDCAuthenticationRequestView):
    def dispatch(self, request, *args, **kwargs):
        _require_oidc()
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class OIDCCallbackView(OIDCAuthenticationCallbackView):
    def dispatch(self, request, *args, **kwargs):
        _require_oidc()
        return super().dispatch(request, *args, **kwargs)

    @property
    def failure_url(self):
        return reverse("sso:login_failed")

    def login_success(self):
        response = super().login_success()
        session = self.request.session
        session[SESSION_METHOD] = "oidc"
        session[SESSION_SUB] = getattr(self.user, "sso_oidc_sub", "")
        # The IdP's second factor counts as ours only when the ID token says so (or the
        # hospital declares its IdP always enforces one: OIDC_TRUST_IDP_MFA).
        session[SESSION_MFA] = bool(getattr(self.user, "sso_idp_mfa", False))
        if session[SESSION_MFA]:
            # The one second-factor predicate (core.second_factor) then counts it everywhere:
            # pages, the API with this session, the admin site.
            second_factor_passed(session, self.user)
        session.pop(SESSION_DENIED, None)
        return response


@login_not_required
def login_failed(request):
    """An SSO login that did not end in a session: no role mapped, or the IdP refused."""
    denied = request.session.pop(SESSION_DENIED, None)
    return render(request, "sso/login_failed.html", {"denied": denied}, status=403)


def _safe_next(request) -> str:
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


def reauth_start(request):
    """Send the signed-in OIDC user back to the IdP to prove she is still the one at the
    keyboard (prompt=login, max_age=0), then back to the signing form."""
    _require_oidc()
    if request.session.get(SESSION_METHOD) != "oidc":
        raise Http404("not an OIDC session")
    state = get_random_string(32)
    nonce = get_random_string(32)
    code_verifier = get_random_string(64)
    request.session[reauth.SESSION_PENDING] = {
        "state": state,
        "nonce": nonce,
        "code_verifier": code_verifier,
        "started_at": int(time.time()),
        "next": _safe_next(request),
    }
    params = {
        "response_type": "code",
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "redirect_uri": absolutify(request, reverse("sso:reauth_callback")),
        "scope": settings.OIDC_RP_SCOPES,
        "state": state,
        "nonce": nonce,
        "prompt": "login",
        "max_age": "0",
        "code_challenge": generate_code_challenge(code_verifier, "S256"),
        "code_challenge_method": "S256",
    }
    return redirect(f"{settings.OIDC_OP_AUTHORIZATION_ENDPOINT}?{urlencode(params)}")


def reauth_callback(request):
    _require_oidc()
    pending = request.session.pop(reauth.SESSION_PENDING, None)
    if not pending or request.GET.get("state") != pending["state"]:
        raise SuspiciousOperation("re-authentication state does not match")
    next_url = pending["next"]
    code = request.GET.get("code")
    error = ""
    if not code:
        error = _("The identity provider did not confirm your identity. Nothing was signed.")
    else:
        try:
            claims = _exchange_reauth_code(request, code=code, pending=pending)
        except (requests.RequestException, SuspiciousOperation, jwt.InvalidTokenError):
            claims = None
        if claims is None:
            error = _("The identity provider did not confirm your identity. Nothing was signed.")
        else:
            error = reauth.check_fresh_identity(
                claims=claims,
                expected_sub=request.session.get(SESSION_SUB, ""),
                started_at=pending["started_at"],
                skew_seconds=settings.OIDC_REAUTH_CLOCK_SKEW_SECONDS,
            )
        if not error:
            reauth.remember_confirmation(request, user=request.user)
    if error:
        request.session[reauth.SESSION_ERROR] = error
    return redirect(next_url)


def _exchange_reauth_code(request, *, code: str, pending: dict) -> dict:
    """The ID token for ``code``, its signature checked against the IdP's keys and its
    nonce against the one this session sent."""
    backend = HospitalOIDCBackend()
    token = backend.get_token(
        {
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "client_secret": settings.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": absolutify(request, reverse("sso:reauth_callback")),
            "code_verifier": pending["code_verifier"],
        }
    )
    return backend.verify_token(token.get("id_token"), nonce=pending["nonce"])
