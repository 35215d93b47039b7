import re
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils import translation

from .request_context import request_id_var, request_var, user_id_var

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a proxy's), for logs, error pages and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        user_token = user_id_var.set("-")
        request_token = request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            user_id_var.reset(user_token)
            request_var.reset(request_token)
        response["X-Request-ID"] = request.request_id
        return response


class ContentSecurityPolicyMiddleware:
    """No inline or third-party scripts: a script injected into a record cannot run."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        return response


class LoginRequiredEverywhereMiddleware(LoginRequiredMiddleware):
    """Every page needs a login unless the view is marked ``login_not_required``.

    The API is left to DRF, which authenticates tokens after middleware has run and
    answers 401/403 instead of redirecting a program to a login form.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserLanguageMiddleware:
    """A user's saved language wins over the browser's, on every computer she logs in to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(str(user.pk))
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class OutOfRangeInputMiddleware:
    """A page address or form value with a number too large for the database answers
    400, not a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from .api import _out_of_range

        if _out_of_range(exception):
            return render(request, "errors/400.html", status=400)
        return None


def idp_asserted_second_factor(request) -> bool:
    """An OIDC login whose ID token says the IdP checked a second factor (sso.backends)."""
    from sso.backends import SESSION_MFA

    return bool(request.session.get(SESSION_MFA))


def needs_second_factor(user) -> bool:
    from django_otp import user_has_device

    return user.has_role(*settings.SECOND_FACTOR_ROLES) or user_has_device(user)


class SecondFactorMiddleware:
    """After the password, users who need a second factor see nothing but the pages that set
    it up or check it (and log out) until they have entered a code."""

    EXEMPT_NAMES = {"otp_setup", "otp_verify", "logout", "login", "health", "set_language"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if idp_asserted_second_factor(request):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in self.EXEMPT_NAMES:
            return None
        if request.path_info.startswith(("/static/", "/api/")):
            return None  # the API refuses such users itself (SecondFactorAwareTokenAuthentication)
        if not needs_second_factor(user):
            return None
        from django_otp import user_has_device

        target = "otp_verify" if user_has_device(user) else "otp_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
