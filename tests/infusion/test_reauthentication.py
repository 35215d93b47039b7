"""Issue 14 item 8: an e-signature's password goes through authenticate(), so django-axes
counts wrong passwords and locks the account as at the login page."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import Signature
from infusion import services
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_twelve_wrong_passwords_at_plan_verification_lock_the_account(
    client, pharmacist_pan, planned, course, settings
):
    client.force_login(pharmacist_pan)
    url = reverse("infusion:plan_verify", args=[course.pk])
    for _attempt in range(12):
        client.post(url, {"password": "not-my-password", "version": planned.version})
    attempt = AccessAttempt.objects.get(username="pan")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    # Locked: the right password no longer signs, and the login page refuses her too.
    response = client.post(url, {"password": PASSWORD, "version": planned.version})
    assert not Signature.objects.exists()
    assert response.status_code == 429  # django-axes' lockout page, as at the login page
    client.logout()
    login = client.post("/accounts/login/", {"username": "pan", "password": PASSWORD})
    assert login.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_service_called_outside_a_request_counts_too(pharmacist_pan, planned):
    for _attempt in range(3):
        with pytest.raises(ValidationError):
            services.plan_verify(
                by=pharmacist_pan, plan=planned, password="wrong", expected_version=1
            )
    assert AccessAttempt.objects.get(username="pan").failures_since_start == 3


def test_the_right_password_still_signs(pharmacist_pan, planned):
    services.plan_verify(
        by=pharmacist_pan, plan=planned, password=PASSWORD, expected_version=planned.version
    )
    assert Signature.objects.count() == 1
    assert not AccessAttempt.objects.exists()


def test_one_entry_point_for_reauthentication():
    """Every password re-check in the services goes through core.signatures.reauthenticate
    (single-sign-on will plug in there): no service checks a password itself."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("core", "patients", "eligibility", "apheresis", "infusion", "monitoring")
        for path in (root / app).rglob("*.py")
        if "check_password(" in path.read_text()
    ]
    assert not offenders, offenders
