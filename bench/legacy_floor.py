"""The request path as it was before issue 20 item 1, kept only so that the benchmark can time
the floor (login + fixed string) both ways in the same run. Not used by the application.

Before item 1 (commit 51aa3ee), every request ran django_otp's OTPMiddleware and a second-factor
middleware that asked for the user's groups and TOTP devices each time (nurses included, who
need no second factor), and SESSION_SAVE_EVERY_REQUEST wrote and committed the session on every
GET. LegacyClient sends a test client's requests through that middleware and setting.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client, override_settings

# The middleware of today that replaced the old pair (OTPMiddleware + the old second factor).
_NEW_SECOND_FACTOR = "core.middleware.SecondFactorMiddleware"
_NEW_SESSION_ACTIVITY = "core.middleware.SessionActivityMiddleware"
_OLD_SECOND_FACTOR = ["django_otp.middleware.OTPMiddleware", f"{__name__}.SecondFactorMiddleware"]


def legacy_middleware() -> list[str]:
    """settings.MIDDLEWARE with the old second-factor pair instead of the new one, and no
    session-activity clock (the session was saved on every request instead)."""
    middleware = []
    for name in settings.MIDDLEWARE:
        if name == _NEW_SECOND_FACTOR:
            middleware += _OLD_SECOND_FACTOR
        elif name != _NEW_SESSION_ACTIVITY:
            middleware.append(name)
    if _OLD_SECOND_FACTOR[1] not in middleware:
        raise RuntimeError(f"{_NEW_SECOND_FACTOR} is no longer in MIDDLEWARE: update {__name__}")
    return middleware


def legacy_settings():
    return override_settings(MIDDLEWARE=legacy_middleware(), SESSION_SAVE_EVERY_REQUEST=True)


def needs_second_factor(user) -> bool:
    """core.middleware.needs_second_factor before item 1: groups and devices queried."""
    from django_otp import user_has_device

    return user.has_role(*settings.SECOND_FACTOR_ROLES) or user_has_device(user)


class SecondFactorMiddleware:
    """core.middleware.SecondFactorMiddleware before item 1 (51aa3ee^), unchanged."""

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
        match = request.resolver_match
        if match is not None and match.url_name in self.EXEMPT_NAMES:
            return None
        if request.path_info.startswith(("/static/", "/api/")):
            return None
        if not needs_second_factor(user):
            return None
        from django_otp import user_has_device

        target = "otp_verify" if user_has_device(user) else "otp_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class LegacyClient:
    """A logged-in test client whose requests all go through the old request path. A client
    builds its middleware chain at its first request, so this one is never shared with the
    new path; SESSION_SAVE_EVERY_REQUEST is read at each response, so it is set around each."""

    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def get(self, *args, **kwargs):
        with legacy_settings():
            return self.client.get(*args, **kwargs)


if __name__ == "__main__":  # python -m bench.legacy_floor [requests]: on the bench database
    import sys

    from bench.run import _environment

    _environment()
    import django

    django.setup()
    from django.test.utils import override_settings as _override

    from bench.measure import floor_pages

    with _override(ROOT_URLCONF="bench.urls"):
        timings = floor_pages("bench-nurse", requests=int(sys.argv[1]) if len(sys.argv) > 1 else 30)
    for t in timings.values():
        print(f"{t.name:30} {t.error or f'{t.median_ms:.2f} ms, {t.queries} queries'}")
    print(f"ratio {timings['floor'].median_ms / timings['floor_legacy'].median_ms:.2f}")
