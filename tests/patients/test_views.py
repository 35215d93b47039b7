from datetime import date

import pytest
import time_machine
from django.urls import reverse

from patients import services
from patients.models import Patient, TreatmentCourse
from tests.factories import course_at_stage, product

pytestmark = pytest.mark.django_db

READERS = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def login(client, user):
    client.force_login(user)
    return client


def patient_form(ward, clinician, **overrides):
    data = {
        "mrn": "CQ555001",
        "family_name": "Deng",
        "given_name": "Hui",
        "date_of_birth": "1972-08-09",
        "sex": "F",
        "weight_kg": "61.5",
        "height_cm": "158",
        "diagnosis": "MM",
        "ward": ward.pk,
        "attending_clinician": clinician.pk,
    }
    data.update(overrides)
    return data


class TestPatientList:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_open_the_list(self, client, personas, patient_7a, role):
        response = login(client, personas[role]).get(reverse("patients:list"))
        assert response.status_code == 200
        assert patient_7a.mrn in response.content.decode()

    def test_administrator_is_refused(self, client, admin_alex, patient_7a):
        assert login(client, admin_alex).get(reverse("patients:list")).status_code == 403

    def test_nurse_sees_only_her_wards(self, client, nurse_ada, patient_7a, patient_7b):
        body = login(client, nurse_ada).get(reverse("patients:list")).content.decode()
        assert patient_7a.mrn in body and patient_7b.mrn not in body

    def test_search_and_stage_filter(self, client, dr_ben, patient_7a, patient_7b):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        course_at_stage(by=dr_ben, course=course, to_stage="screening")
        login(client, dr_ben)
        body = client.get(reverse("patients:list"), {"stage": "screening"}).content.decode()
        assert patient_7a.mrn in body and patient_7b.mrn not in body
        body = client.get(reverse("patients:list"), {"q": "zhao"}).content.decode()
        assert patient_7b.mrn in body and patient_7a.mrn not in body

    def test_list_query_count_does_not_grow_with_rows(
        self, client, dr_ben, ward_7a, django_assert_max_num_queries
    ):
        from tests.factories import PatientFactory

        for i in range(60):
            patient = PatientFactory(ward=ward_7a, attending_clinician=dr_ben)
            if i % 2:
                services.course_open(by=dr_ben, patient=patient, product=product())
        login(client, dr_ben)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("patients:list")).status_code == 200


class TestPatientDetail:
    def test_other_ward_nurse_gets_404(self, client, nurse_dan, patient_7a):
        response = login(client, nurse_dan).get(reverse("patients:detail", args=[patient_7a.pk]))
        assert response.status_code == 404

    def test_unknown_patient_is_the_same_404(self, client, nurse_dan):
        response = login(client, nurse_dan).get(reverse("patients:detail", args=[999999]))
        assert response.status_code == 404

    def test_timeline_shows_day_numbers(self, client, dr_ben, patient_7a):
        course = services.course_open(
            by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 6, 8)
        )
        services.course_set_planned_day0(
            by=dr_ben, course=course, planned_day0_date=date(2026, 6, 13)
        )
        body = (
            login(client, dr_ben)
            .get(reverse("patients:detail", args=[patient_7a.pk]))
            .content.decode()
        )
        assert "Day \u22125" in body
        assert "1.82 m²" in body


class TestPatientForms:
    def test_clinician_registers_a_patient(self, client, dr_ben, ward_7a):
        response = login(client, dr_ben).post(
            reverse("patients:create"), patient_form(ward_7a, dr_ben)
        )
        patient = Patient.objects.get(mrn="CQ555001")
        assert response.status_code == 302
        assert response.url == reverse("patients:detail", args=[patient.pk])

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"date_of_birth": "2030-01-01"}, "cannot be in the future"),
            ({"weight_kg": "-4"}, "Weight must be between 1 and 350 kg"),
            ({"height_cm": "abc"}, "Height must be between 40 and 250 cm"),
            ({"mrn": ""}, "This field is required"),
        ],
    )
    def test_bad_input_shows_a_clear_error_and_saves_nothing(
        self, client, dr_ben, ward_7a, overrides, message
    ):
        response = login(client, dr_ben).post(
            reverse("patients:create"), patient_form(ward_7a, dr_ben, **overrides)
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert message in body and "Nothing was saved" in body
        assert not Patient.objects.exists()

    @pytest.mark.parametrize(
        "role", ["nurse", "pharmacist", "auditor", "apheresis_coordinator", "administrator"]
    )
    def test_non_clinicians_cannot_register(self, client, personas, ward_7a, dr_ben, role):
        response = login(client, personas[role]).post(
            reverse("patients:create"), patient_form(ward_7a, dr_ben)
        )
        assert response.status_code == 403
        assert not Patient.objects.exists()

    def test_edit_with_a_stale_version_is_refused(self, client, dr_ben, patient_7a):
        services.patient_update(by=dr_ben, patient=patient_7a, expected_version=1, weight_kg="65.0")
        data = patient_form(patient_7a.ward, dr_ben, mrn=patient_7a.mrn, weight_kg="90", version=1)
        response = login(client, dr_ben).post(reverse("patients:edit", args=[patient_7a.pk]), data)
        assert response.status_code == 200
        assert "Reload it" in response.content.decode()
        patient_7a.refresh_from_db()
        assert str(patient_7a.weight_kg) == "65.0"


class TestStagePages:
    def test_clinician_withdraws_a_course(self, client, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = login(client, dr_ben).post(
            reverse("patients:course_change_stage", args=[course.pk]),
            {"to_stage": "withdrawn", "effective_date": "2026-06-15", "reason": "Declined"},
            follow=True,
        )
        assert "Course moved to Withdrawn" in response.content.decode()
        course.refresh_from_db()
        assert course.stage == "withdrawn"

    def test_form_offers_only_the_moves_without_evidence(self, client, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        page = login(client, dr_ben).get(reverse("patients:detail", args=[patient_7a.pk]))
        form = next(b["stage_form"] for b in page.context["course_blocks"] if b["course"] == course)
        assert [value for value, _label in form.fields["to_stage"].choices] == [
            "withdrawn",
            "deceased",
        ]

    def test_forward_move_is_refused_pointing_to_the_record(self, client, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = login(client, dr_ben).post(
            reverse("patients:course_change_stage", args=[course.pk]),
            {"to_stage": "screening", "effective_date": "2026-06-15", "reason": ""},
            follow=True,
        )
        assert "Eligibility page" in response.content.decode()
        course.refresh_from_db()
        assert course.stage == "referred" and course.stage_events.count() == 1

    def test_wrong_transition_is_refused_with_a_message(self, client, dr_ben, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = login(client, dr_ben).post(
            reverse("patients:course_change_stage", args=[course.pk]),
            {"to_stage": "infusion", "effective_date": "2026-06-15"},
            follow=True,
        )
        assert "The stage was not changed" in response.content.decode()
        course.refresh_from_db()
        assert course.stage == "referred"

    def test_pharmacist_gets_403(self, client, dr_ben, pharmacist_pan, patient_7a):
        course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
        response = login(client, pharmacist_pan).post(
            reverse("patients:course_change_stage", args=[course.pk]),
            {"to_stage": "screening", "effective_date": "2026-06-15"},
        )
        assert response.status_code == 403

    def test_clinician_opens_a_course(self, client, dr_ben, patient_7a):
        login(client, dr_ben).post(
            reverse("patients:course_open", args=[patient_7a.pk]),
            {"product": product("liso-cel").pk, "referred_on": "2026-06-10"},
        )
        assert TreatmentCourse.objects.get(patient=patient_7a).product.code == "liso-cel"


class TestHomeAndLanguage:
    @pytest.mark.parametrize("role", READERS + ["administrator"])
    def test_every_role_has_a_home(self, client, personas, role):
        response = login(client, personas[role]).get("/")
        assert response.status_code == 200
        assert 'data-testid="stage-counts"' in response.content.decode()

    def test_language_is_saved_on_the_user(self, client, dr_ben):
        login(client, dr_ben).post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
        dr_ben.refresh_from_db()
        assert dr_ben.language == "zh-hans"
        response = client.get(reverse("patients:list"))
        assert response["Content-Language"] == "zh-hans"
        assert "患者" in response.content.decode()

    def test_unknown_language_is_ignored(self, client, dr_ben):
        login(client, dr_ben).post(reverse("set_language"), {"language": "xx", "next": "/"})
        dr_ben.refresh_from_db()
        assert dr_ben.language == ""
