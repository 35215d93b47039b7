"""An assessment time no one could have recorded is a form error or a 400, never a 500, and
the nurse keeps what she typed (issue 14, item 10)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monitoring.models import Assessment
from tests.monitoring.conftest import CALM

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestAssessmentDates:
    def test_bedside_form_keeps_what_the_nurse_typed(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        url = reverse("monitoring:assess", args=[monitored.pk])
        response = client.post(url, {"assessed_at": "1900-01-01T08:00", **CALM})
        assert response.status_code == 200
        body = response.content.decode()
        assert "not a plausible date" in body
        assert 'value="37.2"' in body
        assert not Assessment.objects.exists()

    @pytest.mark.parametrize("when", ["1900-01-01T08:00:00+08:00", "0001-01-01T00:00:00Z"])
    def test_api_says_400(self, monitored, nurse_ada, when):
        response = api(nurse_ada).post(
            "/api/assessments/",
            {"course": monitored.pk, "assessed_at": when, **CALM},
            format="json",
        )
        assert response.status_code == 400
        assert "assessed_at" in response.json()
        assert not Assessment.objects.exists()

    def test_grade_preview_does_not_fail(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        url = reverse("monitoring:grade_preview", args=[monitored.pk])
        response = client.post(url, {"assessed_at": "0001-01-01T00:00", **CALM})
        assert response.status_code == 200
