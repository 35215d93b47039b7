"""Issue 17: axe-core over every page type of every role, on the demo world (WCAG 2.1 A/AA),
in English and in Simplified Chinese.

Each persona of the README logs in; every HTML page address (one per URL pattern, from the
same walk as tests/core/test_role_matrix.py) is opened with a record the persona may see,
preferring the course furthest along the treatment path so the page shows the most. axe-core
(vendored in tests/browser/vendor/axe-core/, MPL-2.0) runs in chromium and no serious or
critical violation may remain.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Case, IntegerField, Value, When
from django.test import Client
from django.urls import resolve

from core.middleware import needs_second_factor
from core.models import User
from patients import rules as stage_rules
from patients.selectors import courses_visible_to, patients_visible_to
from tests.browser.axe import serious_violations
from tests.conftest import verify_second_factor
from tests.core.test_anonymous import PATHS

pytestmark = pytest.mark.browser

# One persona of each role, as the README's demo logins (wang and bo repeat ben's and
# alex's roles).
PERSONAS = ("ben", "ada", "dan", "cai", "pan", "alex", "cara")
# Not pages: the API (JSON), the admin site (Django's own), the login flow, health checks,
# the language switch and FHIR.
NOT_PAGES = (
    "/api/",
    "/admin/",
    "/health",
    "/accounts/login",
    "/accounts/logout",
    "/accounts/reset/",
    "/accounts/sso/",
    "/language/",
    "/fhir/",
)
# Before logging in, and the error page every role meets (a record that does not exist).
ANONYMOUS_PAGES = ("/accounts/login/", "/accounts/reset/done/")
NOT_FOUND_PAGE = "/patients/999999/"
# Refusals: the persona may not open this page at all; trying other records will not help.
REFUSED = {403, 405}


def page_patterns() -> list[str]:
    return [p for p in PATHS if not p.startswith(NOT_PAGES)]


def _candidates(user, sample: str) -> list[str]:
    """Addresses to try for one URL pattern: its sample first, then the same pattern with
    each course or patient the persona sees, the furthest along the path first."""
    match = resolve(sample)
    if not match.kwargs:
        return [sample]
    route = match.route
    if "courses/" in route:
        order = Case(
            *(When(stage=s, then=Value(i)) for i, s in enumerate(stage_rules.STAGE_ORDER)),
            default=Value(-1),
            output_field=IntegerField(),
        )
        ids = list(
            courses_visible_to(user)
            .annotate(step=order)
            .order_by("-step", "pk")
            .values_list("pk", flat=True)
        )
    elif route.startswith("patients/"):
        ids = list(patients_visible_to(user).order_by("pk").values_list("pk", flat=True))
    else:
        ids = list(range(1, 9))
    if "/1/" not in sample:
        return [sample]
    return [sample.replace("/1/", f"/{pk}/", 1) for pk in ids] or [sample]


def pages_for(user) -> tuple[list[str], str]:
    """Every HTML page this persona may open (one address per URL pattern), and the
    session key of a login that opens them."""
    client = Client()
    client.force_login(user)
    if needs_second_factor(user):
        verify_second_factor(client, user)
    found = []
    for sample in page_patterns():
        for path in _candidates(user, sample):
            response = client.get(path)
            if response.status_code in REFUSED:
                break
            content_type = response.get("Content-Type", "")
            # A page, not an htmx fragment of one (the fragment is checked in its page).
            if (
                response.status_code == 200
                and content_type.startswith("text/html")
                and b"<html" in response.content[:200]
            ):
                found.append(path)
                break
    return found + [NOT_FOUND_PAGE], client.cookies[settings.SESSION_COOKIE_NAME].value


def new_context(browser, live_server, locale="en-GB"):
    # axe is injected as an inline script, which the site's CSP forbids (rightly).
    return browser.new_context(
        viewport={"width": 1024, "height": 768},
        locale=locale,
        base_url=live_server.url,
        bypass_csp=True,
    )


def check_pages(context, paths, *, who: str, html_lang: str) -> list[str]:
    """axe over each page, and the page's language as the browser and a screen reader read
    it (axe's html-lang-valid checks only that the tag is a language, not that it is ours)."""
    failures = []
    page = context.new_page()
    for path in paths:
        page.goto(path)
        lang = page.evaluate("document.documentElement.lang")
        if lang.lower() != html_lang:
            failures.append(f"{who} {path}: <html lang={lang!r}>, not {html_lang!r}")
        failures += [f"{who} {path}: {v}" for v in serious_violations(page)]
    page.close()
    return failures


# The browser's language (Accept-Language) chooses the page's for the demo users, who saved
# none; <html lang> is the BCP 47 tag (case-insensitive) of the language the page is in.
LANGUAGES = (("en-GB", "en"), ("zh-CN", "zh-hans"))


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_no_serious_or_critical_violation_on_any_page_of_any_role_in_either_language(
    browser, live_server
):
    call_command("seed_demo", verbosity=0)
    failures, checked = [], {}
    for locale, html_lang in LANGUAGES:
        context = new_context(browser, live_server, locale)
        failures += check_pages(
            context, ANONYMOUS_PAGES, who=f"{html_lang} anonymous", html_lang=html_lang
        )
        context.close()
    for username in PERSONAS:
        user = User.objects.get(username=username)
        # One login per persona, for both languages.
        paths, session_key = pages_for(user)
        checked[username] = len(paths)
        for locale, html_lang in LANGUAGES:
            context = new_context(browser, live_server, locale)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_key,
                        "url": live_server.url,
                    }
                ]
            )
            failures += check_pages(
                context, paths, who=f"{html_lang} {username}", html_lang=html_lang
            )
            context.close()
    # The walk must stay real: every role opens its pages (a broken login would check none).
    assert checked["ben"] > 40 and checked["ada"] > 25 and checked["alex"] > 8, checked
    assert sum(checked.values()) > 180, checked
    assert not failures, "\n".join(failures)
