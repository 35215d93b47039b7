"""An e-signature by someone signed in through the hospital's identity provider asks the
same identity again at the IdP (prompt=login, max_age=0, a fresh auth_time, the same sub),
never a local password; the confirmation signs one request."""

import time
from datetime import date

import pytest
from django.utils import timezone

from core.roles import Role
from core.signatures import signatures_for
from eligibility.models import MdtDecision
from sso import reauth
from sso.models import DirectoryGroupMapping
from tests.eligibility.conftest import screened_course
from tests.factories import PatientFactory

from .conftest import IdpBrowser, app_path, sso_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben_at_the_idp(client, oidc_on, ward_7a):
    """Dr Ben signed in through the IdP, with a screened course of his patient."""
    DirectoryGroupMapping.objects.create(group="cart-clinicians", role=Role.CLINICIAN)
    browser = IdpBrowser()
    sso_login(client, "ben.sso", browser=browser)
    from core.models import User

    ben = User.objects.get(username="ben.sso")
    course = screened_course(PatientFactory(ward=ward_7a, attending_clinician=ben), ben)
    return browser, ben, course


def _decide(client, course):
    return client.post(
        f"/eligibility/courses/{course.pk}/decision/",
        {"decision": "approve", "decided_on": timezone.localdate().isoformat(), "password": ""},
    )


def _confirm(client, browser, course, *, username="ben.sso", strip_prompt=False):
    page = f"/eligibility/courses/{course.pk}/decision/"
    start = client.get(f"/accounts/sso/reauthenticate/?next={page}")
    assert start.status_code == 302
    authorize_url = start["Location"]
    assert "prompt=login" in authorize_url and "max_age=0" in authorize_url
    if strip_prompt:  # an IdP that ignores prompt=login and reuses the old login
        authorize_url = authorize_url.replace("prompt=login&", "")
    from .conftest import PEOPLE

    callback = browser.authorize(
        authorize_url, username=username, password=PEOPLE[username]["password"]
    )
    back = client.get(app_path(callback))
    assert back.status_code == 302 and back["Location"] == page
    return client.get(page).content.decode()


def test_the_signing_form_asks_the_idp_not_a_password(client, ben_at_the_idp):
    _, _, course = ben_at_the_idp
    text = client.get(f"/eligibility/courses/{course.pk}/decision/").content.decode()
    assert 'data-testid="sso-reauth"' in text
    assert 'type="password"' not in text


def test_without_a_fresh_confirmation_nothing_is_signed(client, ben_at_the_idp):
    _, _, course = ben_at_the_idp
    response = _decide(client, course)
    assert response.status_code == 200
    assert "Confirm your identity at the hospital sign-in first" in response.content.decode()
    assert not MdtDecision.objects.exists()


def test_signing_again_at_the_idp_signs_one_decision(client, ben_at_the_idp):
    browser, ben, course = ben_at_the_idp
    asked_before = browser.password_pages

    page = _confirm(client, browser, course)

    assert browser.password_pages == asked_before + 1  # prompt=login: the password again
    assert 'data-testid="sso-confirmed"' in page
    response = _decide(client, course)
    assert response.status_code == 302
    (signature,) = signatures_for(MdtDecision.objects.get())
    assert signature.signer == ben and signature.is_valid
    assert reauth.SESSION_CONFIRMED not in client.session  # used up


def test_an_old_login_at_the_idp_does_not_count(client, ben_at_the_idp, settings):
    browser, _, course = ben_at_the_idp
    settings.OIDC_REAUTH_CLOCK_SKEW_SECONDS = 0
    time.sleep(1.1)  # auth_time is in whole seconds: the login is now strictly older

    page = _confirm(client, browser, course, strip_prompt=True)

    assert "did not ask for your password again" in page
    assert _decide(client, course).status_code == 200
    assert not MdtDecision.objects.exists()


def test_someone_else_at_the_idp_cannot_sign_for_ben(client, ben_at_the_idp):
    _, _, course = ben_at_the_idp

    page = _confirm(client, IdpBrowser(), course, username="ada.sso")

    assert "Someone else signed in at the identity provider" in page
    assert _decide(client, course).status_code == 200
    assert not MdtDecision.objects.exists()


def test_a_password_user_still_signs_with_her_password(client, dr_ben, patient_7a):
    from tests.factories import PASSWORD

    course = screened_course(patient_7a, dr_ben)
    client.force_login(dr_ben)
    text = client.get(f"/eligibility/courses/{course.pk}/decision/").content.decode()
    assert 'type="password"' in text and "sso-reauth" not in text
    response = client.post(
        f"/eligibility/courses/{course.pk}/decision/",
        {"decision": "approve", "decided_on": date.today().isoformat(), "password": PASSWORD},
    )
    assert response.status_code == 302 and MdtDecision.objects.exists()
