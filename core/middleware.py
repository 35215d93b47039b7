import re
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils import translation

from .request_context import (
    ENVIRON_REQUEST_ID,
    ENVIRON_USER_ID,
    request_id_var,
    request_var,
    user_id_var,
)
from .second_factor import needs_second_factor, second_factor_satisfied

__all__ = ["needs_second_factor"]  # kept importable here for bench/ and older callers

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id (or keep a proxy's), for logs, error pages and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # gunicorn's access log line reads these from the same environ (JSON, with the id).
        request.META[ENVIRON_REQUEST_ID] = request.request_id
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


class HealthLiveMiddleware:
    """``/health/live/`` answers here, before sessions, users, the database or any other
    middleware: a liveness probe must not depend on what it is not asked about."""

    PATH = "/health/live/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == self.PATH and request.method in ("GET", "HEAD"):
            from django.http import JsonResponse

            response = JsonResponse({"status": "ok"})
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


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

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request"):
            from django.contrib.auth.views import redirect_to_login

            login = redirect_to_login(
                _page_path(request),
                self.get_login_url(view_func),
                self.get_redirect_field_name(view_func),
            )
            return _htmx_redirect(login.url)
        return super().handle_no_permission(request, view_func)


class UserLanguageMiddleware:
    """A user's saved language wins over the browser's, on every computer she logs in to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id_var.set(str(user.pk))
            request.META[ENVIRON_USER_ID] = str(user.pk)
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


class NulByteQueryMiddleware:
    """A NUL byte in a query parameter is never meaningful, and PostgreSQL refuses it in a
    string (a 500 from deep in a filter). Refuse it at the door: 400, nothing read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in _query_items(request)):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request):
        if request.path_info.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse(
                {"detail": "A query parameter contains a NUL character."}, status=400
            )
        from django.shortcuts import render

        return render(request, "errors/400.html", status=400)


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values or [""]:
            yield key, value


class SecondFactorMiddleware:
    """After the password, users who need a second factor see nothing but the pages that set
    it up or check it (and log out) until they have entered a code: pages redirect there, the
    API (with the session cookie) answers 403, htmx requests are sent there. Tokens are refused
    by the token authentication, with the same predicate; the admin site asks it too."""

    EXEMPT_NAMES = {
        "otp_setup",
        "otp_verify",
        "logout",
        "login",
        "health",
        "set_language",
        "api-token",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode
        from django.utils.translation import gettext as _

        user = request.user
        if not user.is_authenticated or request.path_info.startswith("/static/"):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in self.EXEMPT_NAMES:
            return None
        if second_factor_satisfied(user, request.session):
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("This account needs a second factor: enter your code first.")},
                status=403,
            )
        from django_otp import user_has_device

        target = "otp_verify" if user_has_device(user) else "otp_setup"
        url = f"{reverse(target)}?{urlencode({'next': _page_path(request)})}"
        return _htmx_redirect(url) if request.headers.get("HX-Request") else redirect(url)


LAST_ACTIVITY_KEY = "_last_activity"
BACKGROUND_HEADER = "X-Background-Poll"


def is_background_poll(request) -> bool:
    """A request the page sends by itself (the Today list's minute refresh, a job's status):
    it is not the user at the keyboard, so it must not keep the session alive."""
    return request.headers.get(BACKGROUND_HEADER) == "1"


class SessionActivityMiddleware:
    """Idle logout after ``SESSION_COOKIE_AGE`` seconds without real activity.

    The time of the last real request is kept in the session and refreshed at most once per
    ``SESSION_ACTIVITY_RESOLUTION_SECONDS`` (one write a minute, instead of one per request);
    background polls never refresh it, so a ward computer left open on the Today list still
    logs out. A session past its idle time is ended here, whatever refreshed its row.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib.auth import SESSION_KEY
        from django.contrib.auth.models import AnonymousUser

        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            last = session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_COOKIE_AGE:
                session.flush()
                request.user = AnonymousUser()
            elif last is None or (
                not is_background_poll(request)
                and now - last >= settings.SESSION_ACTIVITY_RESOLUTION_SECONDS
            ):
                # A session from before this clock (or a test's force_login) starts it now.
                session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


def session_activity_start(sender, request, user, **kwargs):
    """At login the session starts active (saved with the login anyway: no extra write)."""
    import time

    from .second_factor import second_factor_forget

    request.session[LAST_ACTIVITY_KEY] = int(time.time())
    second_factor_forget(request.session)


def _page_path(request) -> str:
    """Where to come back to: for an htmx request, the page it was sent from."""
    from django.utils.http import url_has_allowed_host_and_scheme

    current = request.headers.get("HX-Current-URL", "")
    if (
        request.headers.get("HX-Request")
        and current
        and url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()})
    ):
        from urllib.parse import urlsplit

        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def _htmx_redirect(url: str):
    """htmx follows ``HX-Redirect`` with a full page load instead of swapping a login form
    into the part of the page it was refreshing."""
    from django.http import HttpResponse

    response = HttpResponse(status=401)
    response["HX-Redirect"] = url
    return response
