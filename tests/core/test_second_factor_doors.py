"""Issue 14 item 1: the second factor on every door. A user who needs one and has only given
the password is refused by pages (redirect), the API with the same session cookie (403), API
tokens (401/403) and the admin site; one predicate decides (core.second_factor)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.second_factor import second_factor_satisfied
from tests.factories import PASSWORD, CourseFactory

pytestmark = pytest.mark.django_db


def password_only(client, user):
    """Log in with the password and stop before the code, as the attacker did."""
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def ben_with_totp(dr_ben):
    """Dr Ben chose to add an authenticator app: he must use it at every login."""
    TOTPDevice.objects.create(user=dr_ben, name="phone", confirmed=True)
    return dr_ben


@pytest.fixture
def course_7a(patient_7a, dr_ben):
    return CourseFactory(patient=patient_7a)


def test_the_four_probed_addresses_refuse_an_unverified_session(
    client, admin_alex, ben_with_totp, patient_7a, course_7a
):
    password_only(client, admin_alex)
    assert client.get("/api/reports/exports/patients.csv").status_code == 403
    assert client.get(f"/api/reports/fhir/courses/{course_7a.pk}/").status_code == 403
    response = client.post("/api/reports/export-jobs/", {"dataset": "patients"})
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]
    client.post("/accounts/logout/")

    password_only(client, ben_with_totp)
    response = client.patch(
        f"/api/patients/{patient_7a.pk}/",
        data={"family_name": "Changed"},
        content_type="application/json",
    )
    assert response.status_code == 403
    patient_7a.refresh_from_db()
    assert patient_7a.family_name == "Liu"


API_PATHS = [
    "/api/",
    "/api/patients/",
    "/api/courses/",
    "/api/products/",
    "/api/schema/",
    "/api/reports/dashboard/",
    "/api/reports/export-log/",
    "/api/reports/exports/patients.csv",
    "/api/auth/tokens/",
]
ADMIN_PATHS = ["/admin/", "/admin/core/user/", "/admin/core/ward/", "/admin/patients/patient/"]
PAGE_PATHS = ["/", "/patients/", "/reports/", "/accounts/tokens/"]


@pytest.mark.parametrize("who", ["administrator", "clinician_with_totp"])
def test_matrix_of_an_unverified_user_over_api_admin_and_pages(
    client, admin_alex, ben_with_totp, who
):
    user = admin_alex if who == "administrator" else ben_with_totp
    password_only(client, user)
    wrong = []
    for path in API_PATHS:
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            if status != 403:
                wrong.append(f"{method.upper()} {path}: {status}")
    for path in ADMIN_PATHS + PAGE_PATHS:
        response = client.get(path)
        if response.status_code != 302 or not response.url.startswith("/accounts/second-factor/"):
            wrong.append(f"GET {path}: {response.status_code} {response.get('Location')}")
    htmx = client.get("/patients/", headers={"HX-Request": "true"})
    if not htmx.get("HX-Redirect", "").startswith("/accounts/second-factor/"):
        wrong.append(f"htmx GET /patients/: {htmx.status_code}, no HX-Redirect")
    assert not wrong, "\n".join(wrong)
    # The pages that let her in still answer.
    assert client.get("/accounts/second-factor/").status_code == 200


def test_once_verified_the_same_addresses_answer(client, admin_alex, ben_with_totp):
    client.force_login(admin_alex)  # the test client passes the second factor, as the page does
    assert client.get("/api/reports/exports/patients.csv").status_code == 200
    assert client.get("/admin/core/user/").status_code == 200
    client.force_login(ben_with_totp)
    from tests.conftest import verify_second_factor

    verify_second_factor(client, ben_with_totp)
    assert client.get("/api/patients/").status_code == 200


def test_a_token_never_counts_as_a_second_factor(admin_alex, ben_with_totp, nurse_ada):
    from core.services import api_token_create

    api = APIClient()
    for user, allowed in ((admin_alex, False), (ben_with_totp, False), (nurse_ada, True)):
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")
        status = api.get("/api/products/").status_code
        assert (status == 200) is allowed, (user, status)


def test_the_token_endpoint_gives_no_token_to_who_needs_a_second_factor(admin_alex):
    response = APIClient().post(
        "/api/auth/token/", {"username": "alex", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert not admin_alex.api_tokens.exists()


def test_the_admin_site_asks_the_predicate_itself(rf, admin_alex):
    """Even without the middleware (a future mount of the admin elsewhere), the site refuses."""
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/admin/")
    request.user = admin_alex
    request.session = SessionStore()
    assert not admin.site.has_permission(request)
    assert not second_factor_satisfied(admin_alex, request.session)


def test_an_sso_backend_records_its_second_factor(rf, admin_alex):
    from django.contrib.sessions.backends.db import SessionStore

    from core.second_factor import second_factor_passed

    session = SessionStore()
    assert not second_factor_satisfied(admin_alex, session)
    second_factor_passed(session, admin_alex)
    assert second_factor_satisfied(admin_alex, session)
