"""Bad input answers a clear 400 or form error and changes nothing (issue 14, item 10)."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import Patient
from tests.patients.test_api import new_patient
from tests.patients.test_views import patient_form

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestNulBytes:
    def test_nul_in_a_page_query_is_a_400(self, client, nurse_ada):
        client.force_login(nurse_ada)
        response = client.get("/monitoring/today/?ward=%00")
        assert response.status_code == 400

    def test_nul_in_an_api_query_is_a_400(self, dr_ben, patient_7a):
        response = api(dr_ben).get("/api/patients/?search=%00")
        assert response.status_code == 400
        assert "NUL" in response.json()["detail"]

    def test_nul_in_a_query_key_is_a_400(self, client, nurse_ada):
        client.force_login(nurse_ada)
        assert client.get("/monitoring/today/?w%00rd=1").status_code == 400


class TestDeepJson:
    def test_deeply_nested_json_is_a_400_and_nothing_is_stored(self, dr_ben, ward_7a):
        body = "[" * 5000 + "]" * 5000
        response = api(dr_ben).post("/api/patients/", body, content_type="application/json")
        assert response.status_code == 400
        assert "nested" in response.json()["detail"]
        assert not Patient.objects.exists()

    def test_nested_object_in_a_field_is_a_400(self, dr_ben, ward_7a):
        deep = {}
        node = deep
        for _ in range(200):
            node["a"] = {}
            node = node["a"]
        data = new_patient(ward_7a, dr_ben, family_name=deep)
        response = api(dr_ben).post(
            "/api/patients/", json.dumps(data), content_type="application/json"
        )
        assert response.status_code == 400
        assert not Patient.objects.exists()

    def test_ordinary_json_still_works(self, dr_ben, ward_7a):
        response = api(dr_ben).post("/api/patients/", new_patient(ward_7a, dr_ben), format="json")
        assert response.status_code == 201, response.json()


IMPLAUSIBLE_BIRTH_DATES = ["1800-01-01", "0001-01-01", "1899-12-31"]


class TestBirthDates:
    @pytest.mark.parametrize("born", IMPLAUSIBLE_BIRTH_DATES)
    def test_page_refuses_with_a_form_error(self, client, dr_ben, ward_7a, born):
        client.force_login(dr_ben)
        response = client.post(
            reverse("patients:create"), patient_form(ward_7a, dr_ben, date_of_birth=born)
        )
        assert response.status_code == 200
        assert "not a plausible date" in response.content.decode()
        assert not Patient.objects.exists()

    @pytest.mark.parametrize("born", IMPLAUSIBLE_BIRTH_DATES)
    def test_api_refuses_with_400(self, dr_ben, ward_7a, born):
        response = api(dr_ben).post(
            "/api/patients/", new_patient(ward_7a, dr_ben, date_of_birth=born), format="json"
        )
        assert response.status_code == 400
        assert "date_of_birth" in response.json()
        assert not Patient.objects.exists()

    def test_edit_refuses_too(self, dr_ben, patient_7a):
        response = api(dr_ben).patch(
            f"/api/patients/{patient_7a.pk}/", {"date_of_birth": "1800-01-01"}, format="json"
        )
        assert response.status_code == 400
        patient_7a.refresh_from_db()
        assert patient_7a.date_of_birth.year > 1900

    def test_service_refuses(self, dr_ben, patient_7a):
        from datetime import date

        from django.core.exceptions import ValidationError

        patient_7a.date_of_birth = date(1, 1, 1)
        with pytest.raises(ValidationError):
            patient_7a.full_clean()
