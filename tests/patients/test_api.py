import pytest
import time_machine
from rest_framework.test import APIClient

from core.services import api_token_create
from patients import services
from patients.models import Patient
from tests.factories import product

pytestmark = pytest.mark.django_db

READERS = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def new_patient(ward_obj, clinician, **overrides):
    data = {
        "mrn": "CQ777001",
        "family_name": "Peng",
        "given_name": "Lan",
        "date_of_birth": "1980-02-29",
        "sex": "F",
        "weight_kg": "55.0",
        "height_cm": "160.0",
        "diagnosis": "FL",
        "ward": ward_obj.code,
        "attending_clinician": clinician.pk,
    }
    data.update(overrides)
    return data


class TestPatientsApi:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_list(self, personas, patient_7a, role):
        response = api(personas[role]).get("/api/patients/")
        assert response.status_code == 200
        assert patient_7a.mrn in [row["mrn"] for row in response.json()["results"]]

    def test_administrator_is_refused(self, admin_alex, patient_7a):
        assert api(admin_alex).get("/api/patients/").status_code == 403

    def test_anonymous_is_refused(self, patient_7a):
        assert api().get("/api/patients/").status_code in (401, 403)

    def test_nurse_list_and_detail_are_limited_to_her_wards(
        self, nurse_ada, patient_7a, patient_7b
    ):
        mrns = [r["mrn"] for r in api(nurse_ada).get("/api/patients/").json()["results"]]
        assert mrns == [patient_7a.mrn]
        assert api(nurse_ada).get(f"/api/patients/{patient_7b.pk}/").status_code == 404
        assert api(nurse_ada).get("/api/patients/999999/").status_code == 404

    def test_clinician_creates_with_bsa(self, dr_ben, ward_7a):
        response = api(dr_ben).post("/api/patients/", new_patient(ward_7a, dr_ben), format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["body_surface_area_m2"] == 1.56
        assert response.json()["version"] == 1

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"date_of_birth": "2031-01-01"}, "date_of_birth"),
            ({"weight_kg": "-70"}, "weight_kg"),
            ({"diagnosis": "flu"}, "diagnosis"),
            ({"ward": "nowhere"}, "ward"),
            ({"height_cm": "tall"}, "height_cm"),
        ],
    )
    def test_bad_input_gets_400_naming_the_field(self, dr_ben, ward_7a, overrides, field):
        response = api(dr_ben).post(
            "/api/patients/", new_patient(ward_7a, dr_ben, **overrides), format="json"
        )
        assert response.status_code == 400
        assert field in response.json()
        assert not Patient.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor", "apheresis_coordinator"])
    def test_non_clinicians_cannot_create(self, personas, ward_7a, dr_ben, role):
        response = api(personas[role]).post(
            "/api/patients/", new_patient(ward_7a, dr_ben), format="json"
        )
        assert response.status_code == 403
        assert not Patient.objects.exists()

    def test_update_needs_the_current_version(self, dr_ben, patient_7a):
        url = f"/api/patients/{patient_7a.pk}/"
        assert api(dr_ben).patch(url, {"weight_kg": "66.0"}, format="json").status_code == 400
        ok = api(dr_ben).patch(url, {"weight_kg": "66.0", "version": 1}, format="json")
        assert ok.status_code == 200 and ok.json()["version"] == 2
        stale = api(dr_ben).patch(url, {"weight_kg": "99.0", "version": 1}, format="json")
        assert stale.status_code == 400
        assert "Reload" in stale.json()["version"][0]

    def test_delete_is_not_offered(self, dr_ben, patient_7a):
        assert api(dr_ben).delete(f"/api/patients/{patient_7a.pk}/").status_code == 405

    def test_unknown_filter_is_refused(self, dr_ben, patient_7a):
        response = api(dr_ben).get("/api/patients/", {"wrd": "7a"})
        assert response.status_code == 400
        assert "wrd" in response.json()

    def test_filters(self, dr_ben, patient_7a, patient_7b):
        rows = api(dr_ben).get("/api/patients/", {"ward": "7b"}).json()["results"]
        assert [r["mrn"] for r in rows] == [patient_7b.mrn]

    def test_token_authentication(self, dr_ben, patient_7a):
        _token, key = api_token_create(user=dr_ben)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/patients/").status_code == 200

    def test_token_endpoint(self, dr_ben):
        response = APIClient().post(
            "/api/auth/token/", {"username": "ben", "password": "correct-horse-battery-9"}
        )
        assert response.status_code == 200 and response.json()["token"]


class TestCoursesApi:
    def test_open_and_withdraw_a_course(self, dr_ben, patient_7a):
        response = api(dr_ben).post(
            "/api/courses/", {"patient": patient_7a.pk, "product": "axi-cel"}, format="json"
        )
        assert response.status_code == 201, response.json()
        course_id = response.json()["id"]
        moved = api(dr_ben).post(
            f"/api/courses/{course_id}/stage/",
            {"to_stage": "withdrawn", "reason": "Declined CAR-T"},
            format="json",
        )
        assert moved.status_code == 200
        assert moved.json()["stage"] == "withdrawn"
        assert [e["to_stage"] for e in moved.json()["stage_events"]] == ["referred", "withdrawn"]

    def test_forward_move_is_400_pointing_to_the_record(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = api(dr_ben).post(
            f"/api/courses/{course.pk}/stage/", {"to_stage": "screening"}, format="json"
        )
        assert response.status_code == 400
        assert "Eligibility page" in response.json()["to_stage"][0]
        course.refresh_from_db()
        assert course.stage == "referred" and course.stage_events.count() == 1

    def test_stage_cannot_be_written_directly(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = api(dr_ben).patch(
            f"/api/courses/{course.pk}/", {"stage": "infusion"}, format="json"
        )
        assert response.status_code == 405
        course.refresh_from_db()
        assert course.stage == "referred"

    def test_wrong_transition_is_400_and_changes_nothing(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = api(dr_ben).post(
            f"/api/courses/{course.pk}/stage/", {"to_stage": "infusion"}, format="json"
        )
        assert response.status_code == 400
        assert "cannot go from" in response.json()["to_stage"][0]
        course.refresh_from_db()
        assert course.stage == "referred" and course.stage_events.count() == 1

    def test_unknown_stage_is_400(self, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = api(dr_ben).post(
            f"/api/courses/{course.pk}/stage/", {"to_stage": "cured"}, format="json"
        )
        assert response.status_code == 400

    @pytest.mark.parametrize("role", ["pharmacist", "auditor", "administrator"])
    def test_roles_that_never_move_courses(self, personas, dr_ben, patient_7a, role):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = api(personas[role]).post(
            f"/api/courses/{course.pk}/stage/", {"to_stage": "screening"}, format="json"
        )
        assert response.status_code == 403

    def test_other_ward_nurse_gets_404(self, dr_ben, nurse_dan, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = api(nurse_dan).post(
            f"/api/courses/{course.pk}/stage/", {"to_stage": "screening"}, format="json"
        )
        assert response.status_code == 404

    def test_nurse_cannot_open_a_course(self, nurse_ada, patient_7a):
        response = api(nurse_ada).post(
            "/api/courses/", {"patient": patient_7a.pk, "product": "axi-cel"}, format="json"
        )
        assert response.status_code == 403

    def test_clinician_cannot_open_for_unknown_patient(self, dr_ben):
        response = api(dr_ben).post(
            "/api/courses/", {"patient": 424242, "product": "axi-cel"}, format="json"
        )
        assert response.status_code == 400


class TestSchema:
    def test_schema_and_docs_need_a_login(self, dr_ben):
        assert api().get("/api/schema/").status_code in (401, 403)
        client = APIClient()
        client.force_login(dr_ben)
        schema = client.get("/api/schema/", {"format": "json"})
        assert schema.status_code == 200
        paths = schema.json()["paths"]
        assert "/api/patients/" in paths and "/api/courses/{id}/stage/" in paths
        docs = client.get("/api/docs/")
        assert docs.status_code == 200
        assert b"cdn" not in docs.content.lower()

    def test_schema_generates_without_warnings(self):
        from django.core.management import call_command

        call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")


def test_api_update_of_a_patient_in_treatment_needs_a_reason(dr_ben, patient_7a):
    from patients.models import TreatmentCourse

    course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
    TreatmentCourse.objects.filter(pk=course.pk).audited_update(stage="monitoring")
    url = f"/api/patients/{patient_7a.pk}/"
    refused = api(dr_ben).patch(url, {"weight_kg": "66.0", "version": 1}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    ok = api(dr_ben).patch(
        url, {"weight_kg": "66.0", "version": 1, "reason": "Re-weighed"}, format="json"
    )
    assert ok.status_code == 200 and "reason" not in ok.json()
