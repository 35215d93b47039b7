import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def totp_now(secret_base32: str) -> str:
    import base64

    from django_otp.oath import totp

    return f"{totp(base64.b32decode(secret_base32)):06d}"


ROLE_LABELS = {
    "clinician": "Clinician",
    "nurse": "Nurse",
    "apheresis_coordinator": "Apheresis coordinator",
    "pharmacist": "Pharmacist",
    "administrator": "Administrator",
    "auditor": "Auditor",
}


def test_every_role_logs_in_and_sees_its_home(page, personas):
    for role, label in ROLE_LABELS.items():
        user = personas[role]
        log_in(page, user.username, PASSWORD)
        if role == "administrator":
            # Administrators set up a TOTP authenticator at their first login.
            secret = page.get_by_test_id("totp-secret").inner_text()
            page.get_by_label("Code from the app").fill(totp_now(secret))
            page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_test_id("home-heading")).to_contain_text(user.first_name)
        expect(page.get_by_test_id("current-user")).to_contain_text(label)
        expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url("/accounts/login/")


def test_wrong_password_is_refused(page, personas):
    log_in(page, "ben", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("did not match")
