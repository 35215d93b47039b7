"""Role × address for every address that names a record (`/…/<pk>/…`), on a demo world.

seed_demo fills every stage's tables; with sequences reset, id 1 exists in nearly all of
them. Whatever the record, an administrator and a nurse with no ward never get it, and the
auditor's POSTs change no table. The clinician's many 200s show the addresses are real.
"""

import pytest
from django.core.management import call_command
from django.urls import resolve

from core.models import User
from tests.core.test_anonymous import PATHS
from tests.core.test_role_matrix import _row_counts, outcome
from tests.factories import UserFactory

CATALOGUE = ("/api/products/", "/api/eligibility/products/", "/api/eligibility/thresholds/")
# Administrators run reports and the admin site; the catalogue is open to every user.
NOT_CLINICAL = ("/reports/", "/api/reports/", "/admin/", *CATALOGUE)
# ... except a chart's history, which is the chart itself.
CHART_HISTORY = ("/reports/history/", "/api/reports/history/")
SKIP = ("/accounts/", "/language/", "/health/", "/api/auth/", "/admin/")


def record_paths():
    for path in PATHS:
        if path.startswith(SKIP):
            continue
        if resolve(path).kwargs:
            yield path


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_records_by_address(client):
    call_command("seed_demo", verbosity=0)
    clinician = User.objects.get(username="ben")
    administrator = User.objects.get(username="alex")
    auditor = User.objects.get(username="cara")
    wardless_nurse = UserFactory(username="zoe", roles=["nurse"])
    paths = sorted(set(record_paths()))
    assert len(paths) > 80

    client.force_login(clinician)
    seen = [p for p in paths if outcome(client.get(p)) == "allowed"]
    assert len(seen) > 40, "the demo world should make most record addresses real"

    leaks = []
    for user in (administrator, wardless_nurse):
        client.force_login(user)
        for path in seen:
            if path.startswith(NOT_CLINICAL if user is administrator else CATALOGUE) and not (
                path.startswith(CHART_HISTORY)
            ):
                continue
            if outcome(client.get(path)) == "allowed":
                leaks.append(f"{user.username} GET {path}")
    assert not leaks, "\n".join(leaks)

    client.force_login(auditor)
    before = _row_counts()
    for path in paths:
        response = client.post(path, {})
        assert response.status_code < 500, path
    after = _row_counts()
    ignored = ("django_session", "axes_", "reports_exportlog", "reports_exportjob")
    changed = {
        t: (before[t], after.get(t))
        for t in before
        if not t.startswith(ignored) and before[t] != after.get(t)
    }
    assert not changed, changed
