"""Nobody sees anything before logging in: walk every URL pattern as an anonymous user."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# The only addresses an anonymous user may open.
PUBLIC = {
    "/accounts/login/",
    "/health/",
    "/health/live/",
    "/health/ready/",
    "/api/auth/token/",
    "/admin/login/",  # redirects to /accounts/login/
    # A one-time password-reset link is opened before logging in (an invalid one says so).
    "/accounts/reset/1/1/",
    "/accounts/reset/done/",
    # Single sign-on's login flow (404 while OIDC is off; the failure page shows only what
    # the session's own failed login recorded): tests/sso.
    "/accounts/sso/oidc/login/",
    "/accounts/sso/oidc/callback/",
    "/accounts/sso/failed/",
}

_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")
_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _sample_regex(pattern: str) -> str:
    def group(match):
        body = match["body"]
        if re.fullmatch(r"[\w|]+", body):
            return body.split("|")[0]
        return "1"

    text = _GROUP.sub(group, pattern)
    text = text.replace("\\.", ".").replace("/?", "/").replace("^", "").replace("$", "")
    return text.replace("\\Z", "")


def _sample_route(route: str) -> str:
    return _CONVERTER.sub(lambda m: "1" if m["conv"] == "int" else "1", route)


def all_paths(patterns=None, prefix=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        raw = str(entry.pattern)
        piece = (
            _sample_regex(raw)
            if entry.pattern.regex.pattern == raw and raw.startswith("^")
            else _sample_route(raw)
        )
        if isinstance(entry, URLResolver):
            yield from all_paths(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield "/" + (prefix + piece).lstrip("/")


PATHS = sorted(set(all_paths()))


def test_the_walk_covers_the_site():
    for expected in [
        "/",
        "/patients/",
        "/patients/1/",
        "/api/patients/",
        "/api/courses/1/stage/",
        "/api/schema/",
        "/api/docs/",
        "/admin/",
        "/health/",
    ]:
        assert expected in PATHS, expected
    assert len(PATHS) > 40


@pytest.mark.parametrize("path", [p for p in PATHS if p not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login_or_refused(client, path, method):
    response = getattr(client, method)(path)
    if path.startswith(("/api/", "/fhir/")):
        assert response.status_code in (401, 403), (path, response.status_code)
    else:
        assert response.status_code in (302, 405), (path, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith(("/accounts/login/", "/admin/login/")), response.url


def test_login_page_and_health_are_public(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/health/").status_code in (200, 503)
    assert client.get("/health/ready/").status_code in (200, 503)
    assert client.get("/health/live/").status_code == 200
    assert client.get("/admin/login/").url.startswith("/accounts/login/")


def test_favicon_answers_without_login(client):
    """Issue 17: no favicon 404 (browsers ask for /favicon.ico on every first visit)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")
