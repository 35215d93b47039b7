"""Issue 16 item 9, the rest of it: every lab field takes a unit, on the pages and in the API,
and an impossible value gets the clinical message, never a digit count."""

from decimal import Decimal

import pytest

from monitoring.models import Assessment
from tests.monitoring.test_api import api as monitoring_api
from tests.monitoring.test_api import payload as assessment_payload


@pytest.mark.django_db
class TestBedsideTemperatureInTheApi:
    def test_impossible_temperature_gets_the_clinical_message(self, monitored, nurse_ada):
        response = monitoring_api(nurse_ada).post(
            "/api/assessments/", assessment_payload(monitored, temperature_c="372"), format="json"
        )
        assert response.status_code == 400
        assert "did you mean 37.2?" in str(response.json()["temperature_c"])
        assert not Assessment.objects.exists()

    def test_fahrenheit_is_converted(self, monitored, nurse_ada):
        response = monitoring_api(nurse_ada).post(
            "/api/assessments/",
            assessment_payload(monitored, temperature_c="101.3", units={"temperature_c": "f"}),
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert Assessment.objects.get().temperature_c == Decimal("38.5")
