"""The patient's preferred language: a field of the record (default: the centre's language),
edited on the form and the API with history; the wallet card prints in it, whatever the
language of the member of staff who prints it."""

from datetime import date

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from followup import services as followup_services
from patients.models import Patient
from tests.factories import PatientFactory
from tests.followup.conftest import infuse

from .test_services import register

pytestmark = pytest.mark.django_db

CARD_EN = "I have received CAR-T cell therapy"
CARD_ZH = "我接受过 CAR-T 细胞治疗"
STAFF_EN = "Back to the follow-up calendar"
STAFF_ZH = "返回随访日历"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-03-20 09:00 +08:00", tick=False):
        yield


def test_a_new_patient_takes_the_centres_language(dr_ben, ward_7a):
    assert register(dr_ben, ward_7a, dr_ben).preferred_language == "en"
    with override_settings(LANGUAGE_CODE="zh-hans"):
        patient = register(dr_ben, ward_7a, dr_ben, mrn="CQ900002")
    assert patient.preferred_language == "zh-hans"


def test_the_form_edits_it_with_history(client, dr_ben, patient_7a):
    client.force_login(dr_ben)
    page = client.get(reverse("patients:edit", args=[patient_7a.pk])).content.decode()
    assert 'name="preferred_language"' in page
    fields = {
        "mrn": patient_7a.mrn,
        "family_name": patient_7a.family_name,
        "given_name": patient_7a.given_name,
        "date_of_birth": patient_7a.date_of_birth.isoformat(),
        "sex": patient_7a.sex,
        "weight_kg": patient_7a.weight_kg,
        "height_cm": patient_7a.height_cm,
        "diagnosis": patient_7a.diagnosis,
        "ward": patient_7a.ward_id,
        "attending_clinician": patient_7a.attending_clinician_id,
        "preferred_language": "zh-hans",
        "version": patient_7a.version,
    }
    response = client.post(reverse("patients:edit", args=[patient_7a.pk]), fields)
    assert response.status_code == 302
    patient_7a.refresh_from_db()
    assert patient_7a.preferred_language == "zh-hans"
    latest, earlier = patient_7a.history.order_by("-history_id")[:2]
    assert (earlier.preferred_language, latest.preferred_language) == ("en", "zh-hans")
    assert latest.history_user == dr_ben


def test_the_api_reads_and_edits_it_and_refuses_another(dr_ben, patient_7a):
    api = APIClient()
    api.force_authenticate(dr_ben)
    url = f"/api/patients/{patient_7a.pk}/"
    assert api.get(url).json()["preferred_language"] == "en"
    refused = api.patch(url, {"preferred_language": "fr", "version": 1}, format="json")
    assert refused.status_code == 400 and "preferred_language" in refused.json()
    changed = api.patch(url, {"preferred_language": "zh-hans", "version": 1}, format="json")
    assert changed.status_code == 200, changed.json()
    assert Patient.objects.get(pk=patient_7a.pk).preferred_language == "zh-hans"
    assert patient_7a.history.count() == 2


def _discharged(patient, by):
    course = infuse(patient, by, date(2026, 3, 2))
    followup_services.discharge_record(
        by=by,
        course=course,
        discharge_date=date(2026, 3, 20),
        caregiver_name="Liu Jian",
        caregiver_phone="+86 138 0000 0000",
        centre_phone="+86 23 6889 0000",
    )
    return course


@pytest.mark.parametrize(
    ("staff_language", "patient_language", "card", "staff"),
    [
        ("en", "zh-hans", CARD_ZH, STAFF_EN),
        ("zh-hans", "en", CARD_EN, STAFF_ZH),
        ("zh-hans", "zh-hans", CARD_ZH, STAFF_ZH),
        ("en", "en", CARD_EN, STAFF_EN),
    ],
)
def test_the_wallet_card_prints_in_the_patients_language(
    client, dr_ben, ward_7a, staff_language, patient_language, card, staff
):
    patient = PatientFactory(
        ward=ward_7a, attending_clinician=dr_ben, preferred_language=patient_language
    )
    course = _discharged(patient, dr_ben)
    dr_ben.language = staff_language
    dr_ben.save(update_fields=["language"])
    client.force_login(dr_ben)
    page = client.get(reverse("followup:wallet_card", args=[course.pk])).content.decode()
    assert card in page and staff in page
    assert f'lang="{patient_language}"' in page
    other_card = CARD_EN if card == CARD_ZH else CARD_ZH
    assert other_card not in page
