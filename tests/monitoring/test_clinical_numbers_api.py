"""The bedside API refuses an impossible vital sign in clinical words, not DRF's digit counts
(core/clinical_numbers.py; issue 17)."""

import pytest

from monitoring.models import Assessment
from tests.monitoring.test_api import api as monitoring_api
from tests.monitoring.test_api import payload as assessment_payload

pytestmark = pytest.mark.django_db


def test_vital_signs_out_of_range_are_refused_in_clinical_words(monitored, nurse_ada):
    response = monitoring_api(nurse_ada).post(
        "/api/assessments/",
        assessment_payload(
            monitored, temperature_c="37.2", spo2_percent=140, oxygen_flow_l_min="12345"
        ),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["spo2_percent"] == ["SpO₂ must be between 50 and 100 %."]
    assert body["oxygen_flow_l_min"] == [
        "Oxygen flow must be between 0 and 100 L/min (at most 1 decimal place)."
    ]
    assert not Assessment.objects.exists()
