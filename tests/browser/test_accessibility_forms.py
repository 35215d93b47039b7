"""Issue 17: axe-core over the page that comes back after a refused save, for every form of
every role on the demo world (WCAG 2.1 A/AA, SC 3.3.1 and 4.1.2).

Each persona's pages (the walk of test_accessibility.py) are searched for forms that post
and have something to fill in. In chromium each such form is sent with every field emptied
(browser validation off, as a user with an old browser or a slip of the finger would), and
the page that answers is checked when it shows an error: no serious or critical axe
violation; a summary a screen reader announces (role=alert); every field marked invalid
(aria-invalid) is described by its error, and every field error shown is tied to a field.
"""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.middleware import needs_second_factor
from core.models import User
from tests.browser.axe import serious_violations
from tests.browser.test_accessibility import PERSONAS, _candidates, new_context, page_patterns
from tests.conftest import verify_second_factor

pytestmark = pytest.mark.browser

# Forms every page has (the menu's) and forms that are not a record's save.
NOT_FORMS = ("/accounts/logout/", "/language/")
# A page with a form to fill in (a control that is not hidden and not a button), in the
# HTML the server sends.
_POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
_CONTROL = re.compile(
    r"<(?:textarea|select)\b|<input\b(?![^>]*type=\"(?:hidden|submit|button)\")", re.I
)
# Pages tried per URL pattern to find one whose form is open (a record further along may
# show the same page read-only).
MAX_TRIES = 12

FILLABLE = '"input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"'
_FORMS = """[...document.querySelectorAll("form")].filter((f) =>
    (f.method || "").toLowerCase() === "post" && f.checkVisibility() && !f.closest("nav")
    && f.querySelector(FILLABLE))""".replace("FILLABLE", FILLABLE)

# Empty every control of the index'th fillable, visible, posting form and send it as its
# first submit button would.
EMPTY_AND_SEND = """(index) => {
    const form = FORMS[index];
    form.noValidate = true;
    for (const el of form.querySelectorAll(FILLABLE)) {
        if (el.type === "checkbox" || el.type === "radio") el.checked = false;
        else if (el.tagName === "SELECT") el.value = "";
        else if (el.type !== "file") el.value = "";
    }
    const submitter = form.querySelector(
        "button:not([type]), button[type=submit], input[type=submit]");
    form.requestSubmit(submitter || undefined);
}""".replace("FORMS", _FORMS).replace("FILLABLE", FILLABLE)

# Whether the index'th form is there, and whether htmx sends it (no new page).
FORM_KIND = """(index) => {
    const form = FORMS[index];
    if (!form) return null;
    return form.closest("[hx-post], [hx-boost=true], [data-hx-post]") ? "htmx" : "page";
}""".replace("FORMS", _FORMS)

FILLABLE_FORMS = "() => " + _FORMS + ".length"

# How the page that came back announces its errors; [] when it is well announced.
ANNOUNCED = """() => {
    const problems = [];
    const shown = (el) => el.checkVisibility() && el.textContent.trim() !== "";
    const invalid = [...document.querySelectorAll("[aria-invalid=true]")];
    const feedback = [...document.querySelectorAll(".invalid-feedback")].filter(shown);
    const alerts = [...document.querySelectorAll("[role=alert]")].filter(shown);
    if (!invalid.length && !feedback.length && !alerts.length) return null;  // saved
    if (!alerts.length) problems.push("no error summary with role=alert");
    const describedBy = (el) => {
        const own = el.getAttribute("aria-describedby");
        const group = el.closest("fieldset[aria-describedby]");
        return ((own || "") + " " + (group ? group.getAttribute("aria-describedby") : ""))
            .split(/\\s+/).filter(Boolean);
    };
    const referenced = new Set();
    for (const el of invalid) {
        const ids = describedBy(el);
        ids.forEach((id) => referenced.add(id));
        const texts = ids.map((id) => document.getElementById(id)).filter(Boolean)
            .map((d) => d.textContent.trim()).filter(Boolean);
        if (!texts.length)
            problems.push(`${el.name || el.id} is aria-invalid but described by no text`);
        const missing = ids.filter((id) => !document.getElementById(id));
        if (missing.length)
            problems.push(`${el.name || el.id} aria-describedby names no element: ${missing}`);
    }
    for (const el of feedback) {
        if (!el.id || !referenced.has(el.id))
            problems.push(`error "${el.textContent.trim().slice(0, 60)}" is tied to no field`);
    }
    return problems;
}"""


def _both_ends(paths: list[str]) -> list[str]:
    """The records furthest along and the earliest, alternately: a screening form is open
    early in the path, a follow-up visit late."""
    ordered = []
    for first, last in zip(paths, reversed(paths), strict=True):
        ordered += [first] if first == last else [first, last]
        if len(ordered) >= len(paths):
            break
    return list(dict.fromkeys(ordered))


def form_pages_for(user) -> tuple[list[str], str]:
    """One address per URL pattern whose page has a form this persona can fill in, and
    the session key of a login that opens them."""
    client = Client()
    client.force_login(user)
    if needs_second_factor(user):
        verify_second_factor(client, user)
    found = []
    for sample in page_patterns():
        for path in _both_ends(_candidates(user, sample))[:MAX_TRIES]:
            response = client.get(path)
            if response.status_code in (403, 405):
                break
            if response.status_code != 200 or not response.get("Content-Type", "").startswith(
                "text/html"
            ):
                continue
            body = response.content.decode()
            forms = [
                f
                for f in _POST_FORM.finditer(body)
                if _CONTROL.search(f.group(1)) and not any(n in f.group(0) for n in NOT_FORMS)
            ]
            if "<html" in body[:200] and forms:
                found.append(path)
                break
    return found, client.cookies[settings.SESSION_COOKIE_NAME].value


def send_empty(page, path: str, index: int) -> bool:
    """The page after sending the form emptied; False when the form did not go."""
    page.goto(path)
    kind = page.evaluate(FORM_KIND, index)
    if kind is None:  # an earlier form's save changed the page
        return False
    try:
        if kind == "page":
            with page.expect_navigation():
                page.evaluate(EMPTY_AND_SEND, index)
        else:
            with page.expect_response(lambda r: r.request.method == "POST"):
                page.evaluate(EMPTY_AND_SEND, index)
            # htmx swaps its answer in just after the response.
            page.wait_for_timeout(200)
    except PlaywrightTimeoutError:
        return False
    return True


def check_error_page(page, who: str) -> list[str] | None:
    problems = page.evaluate(ANNOUNCED)
    if problems is None:
        return None
    return [f"{who}: {p}" for p in problems] + [f"{who}: {v}" for v in serious_violations(page)]


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_form_refused_is_announced_without_serious_violations(browser, live_server):
    call_command("seed_demo", verbosity=0)
    failures, refused, unsent = [], [], []
    context = new_context(browser, live_server)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ben")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    result = check_error_page(page, "anonymous wrong password")
    assert result is not None, "a wrong password must show an error"
    failures += result
    context.close()
    for username in PERSONAS:
        user = User.objects.get(username=username)
        paths, session_key = form_pages_for(user)
        context = new_context(browser, live_server)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}]
        )
        page = context.new_page()
        # A form that asks "are you sure?" is sent.
        page.on("dialog", lambda dialog: dialog.accept())
        for path in paths:
            page.goto(path)
            for index in range(page.evaluate(FILLABLE_FORMS)):
                if not send_empty(page, path, index):
                    unsent.append(f"{username} {path} form {index + 1}")
                    continue
                result = check_error_page(page, f"{username} {path} form {index + 1}")
                if result is not None:
                    refused.append(f"{username} {path}")
                    failures += result
        context.close()
    print("refused:", *sorted(set(refused)), "not sent:", *unsent, sep="\n")
    # The walk must stay real: the forms of every stage come back refused.
    expected = (
        "ben /eligibility/courses/",  # screening, MDT decision, consent
        "ben /patients/new/",
        "ben /infusion/courses/",  # lymphodepletion plan
        "ada /monitoring/courses/",  # CRS/ICANS assessment
        "ada /infusion/doses/",  # dose administered
        "ada /follow-up/courses/",  # follow-up visit
        "cai /apheresis/",  # booking, collection, custody
        "pan /infusion/courses/",  # plan verification
        "alex /accounts/roles/",  # role requests
        "cara /accounts/password/",
    )
    failures += [
        f"no refused form under {e}" for e in expected if not any(r.startswith(e) for r in refused)
    ]
    if len(set(refused)) <= 60:
        failures.append(f"only {len(set(refused))} forms came back refused")
    assert not failures, "\n".join(failures)
