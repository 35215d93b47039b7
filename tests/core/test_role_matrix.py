"""Role × URL × method: every page and API address without a record id, for every role.

Each role gets exactly what DEVELOPERS.md allows: clinical pages and APIs for the patient
readers (clinician, nurse, apheresis coordinator, pharmacist, auditor) and never for the
administrator; exports for administrators (pseudonymised), auditors and clinicians, the
export log for administrators and auditors, the dashboard for all three; the
admin site for staff. The auditor changes nothing: every POST she sends is refused.
"""

import pytest
from django.urls import resolve

from tests.core.test_anonymous import PATHS

pytestmark = pytest.mark.django_db

ROLES = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "administrator", "auditor"]
READERS = {"clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"}
EVERYONE = set(ROLES)

# Addresses outside the matrix: the login flow, language, logout and health.
SKIP_PREFIXES = (
    "/accounts/login",
    "/accounts/logout",
    "/accounts/second-factor",
    "/accounts/reset/",
    "/accounts/sso/",  # single sign-on's login flow: tests/sso
    "/language/",
    "/health/",
    "/api/auth/token/",
    "/admin/login/",
    "/admin/logout/",
    "/reports/exports/fhir/",
)  # needs ?course=; covered in tests/reports

# (prefix, roles allowed to GET), first match wins; everything else is clinical data.
GET_POLICY = [
    # Exports: administrators pseudonymised, auditors and clinicians also identifiable with a
    # purpose (tests/reports/test_pseudonymised.py); the export log for the overseers.
    ("/reports/exports/log", {"administrator", "auditor"}),
    ("/reports/exports", {"administrator", "auditor", "clinician"}),
    ("/reports/", {"clinician", "administrator", "auditor"}),
    # Recomputing the figures is a write: not the auditor's (a GET is refused before 405).
    ("/api/reports/dashboard/refresh", {"clinician", "administrator"}),
    ("/api/reports/dashboard", {"clinician", "administrator", "auditor"}),
    ("/api/reports/export-log", {"administrator", "auditor"}),
    ("/api/reports/", {"administrator", "auditor", "clinician"}),
    ("/patients/new/", {"clinician"}),
    # Missed-assessment report (issue 16 item 3): clinicians and auditors.
    ("/monitoring/missed/", {"clinician", "auditor"}),
    ("/api/missed-assessments/", {"clinician", "auditor"}),
    # The HIS interfaces: messages for administrators, reconciliations also for clinicians;
    # FHIR only for the interface account (no persona has it).
    ("/interfaces/messages", {"administrator"}),
    ("/interfaces/reconciliations", {"clinician", "administrator"}),
    ("/fhir/", set()),
    ("/api/products/", EVERYONE),
    ("/api/eligibility/products/", EVERYONE),
    ("/api/eligibility/thresholds/", EVERYONE),
    ("/api/schema/", EVERYONE),
    ("/api/docs/", EVERYONE),
    # Account management: administrators only (tests/core/test_accounts.py).
    ("/accounts/roles/", {"administrator"}),
    ("/api/role-requests/", {"administrator"}),
    ("/notifications/", EVERYONE),
    ("/accounts/password/", EVERYONE),
    ("/accounts/tokens/", EVERYONE),  # one's own API tokens
    ("/api/auth/tokens/", EVERYONE),
]


def expected_get(path: str) -> set[str]:
    if path == "/":
        return EVERYONE
    if path == "/admin/":
        return {"administrator", "auditor"}
    if path == "/api/":
        return EVERYONE  # the API's index of addresses, no data
    for prefix, roles in GET_POLICY:
        if path.startswith(prefix):
            return roles
    return READERS


def plain_paths():
    """Addresses that need no record id (those with ids are covered app by app)."""
    for path in PATHS:
        if path.startswith(SKIP_PREFIXES) or path.endswith((".csv", ".json")):
            continue
        if path.startswith("/admin/") and path != "/admin/":
            continue  # model pages follow Django permissions: see test_admin_site below
        match = resolve(path)
        if not match.kwargs:
            yield path


PLAIN = sorted(set(plain_paths()))


def outcome(response) -> str:
    if response.status_code == 200:
        return "allowed"
    if response.status_code in (401, 403, 404):
        return "refused"
    if response.status_code == 302 and "/login/" in response.url:
        return "refused"
    return f"status {response.status_code}"


def test_the_matrix_covers_every_app():
    for prefix in (
        "/patients/",
        "/eligibility/",
        "/apheresis/",
        "/infusion/",
        "/monitoring/",
        "/follow-up/",
        "/api/patients/",
        "/api/assessments/",
    ):
        assert any(p.startswith(prefix) for p in PLAIN), prefix


def test_get_matrix(client, personas):
    wrong = []
    for role in ROLES:
        client.force_login(personas[role])
        for path in PLAIN:
            got = outcome(client.get(path))
            if got == "status 405":
                continue  # POST-only address
            want = "allowed" if role in expected_get(path) else "refused"
            if got != want:
                wrong.append(f"{role:22} GET {path}: {got}, expected {want}")
        client.logout()
    assert not wrong, "\n".join(wrong)


def _row_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_auditor_changes_nothing(client, auditor_cara, patient_7a):
    """Whatever the auditor POSTs to any address, no clinical table gains or loses a row."""
    client.force_login(auditor_cara)
    before = _row_counts()
    errors = []
    for path in PLAIN:
        if path.startswith(("/notifications/", "/accounts/password/", "/accounts/tokens/")):
            continue  # her own messages, password and API tokens
        if path.startswith("/api/auth/tokens/"):
            continue
        response = client.post(path, {})
        if response.status_code >= 500:
            errors.append(f"POST {path}: {response.status_code}")
    after = _row_counts()
    # Sessions, login bookkeeping and the export log are not clinical records.
    ignored = ("django_session", "axes_", "reports_exportlog", "reports_exportjob")
    changed = {
        t: (before[t], after.get(t))
        for t in before
        if not t.startswith(ignored) and before[t] != after.get(t)
    }
    assert not errors, errors
    assert not changed, changed


def test_administrator_reads_no_patient_data(client, admin_alex, patient_7a):
    client.force_login(admin_alex)
    for path in (
        "/patients/",
        f"/patients/{patient_7a.pk}/",
        "/api/patients/",
        f"/api/patients/{patient_7a.pk}/",
        "/monitoring/today/",
        "/follow-up/",
        "/eligibility/",
        "/apheresis/",
        "/infusion/pharmacy/",
    ):
        assert outcome(client.get(path)) == "refused", path


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("administrator", "/admin/core/user/", True),
        ("administrator", "/admin/core/ward/add/", True),
        ("administrator", "/admin/catalogue/cartproduct/", True),
        ("administrator", "/admin/patients/patient/", False),
        ("administrator", "/admin/monitoring/assessment/", False),
        ("auditor", "/admin/patients/patient/", True),
        ("auditor", "/admin/monitoring/assessment/", True),
        ("auditor", "/admin/patients/patient/add/", False),
        ("auditor", "/admin/core/user/add/", False),
        # Role requests are made and decided on their page; the admin site only shows them.
        ("auditor", "/admin/core/rolegrantrequest/", True),
        ("administrator", "/admin/core/rolegrantrequest/add/", False),
        ("clinician", "/admin/", False),
        ("nurse", "/admin/", False),
    ],
)
def test_admin_site(client, personas, role, path, allowed):
    client.force_login(personas[role])
    assert outcome(client.get(path)) == ("allowed" if allowed else "refused")
