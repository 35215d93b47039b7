"""Issue 15, done-when: changing a washout threshold in the admin changes screening and the
pre-collection check alike. One rule (catalogue/washout.py), one table (catalogue/thresholds.py),
read by both stages through catalogue.selectors.thresholds()."""

from datetime import timedelta

import pytest
import time_machine

from apheresis import services as apheresis_services
from catalogue.models import Threshold
from eligibility import selectors as eligibility_selectors
from eligibility import services as eligibility_services
from tests.apheresis.conftest import GOOD_SCHEDULE, TODAY
from tests.eligibility.conftest import ALL_ITEMS, FIT_FIELDS, FIT_LINES, open_course, pdf
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def set_threshold_in_the_admin(client, administrator, key: str, value: str) -> Threshold:
    """What an administrator does: open the threshold's page in the admin and save it."""
    row = Threshold.objects.get(key=key)
    client.force_login(administrator)
    url = f"/admin/catalogue/threshold/{row.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"key": row.key, "value": value, "source": "Local protocol 2026-07", "verified": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    return row


def course_with_chemotherapy(patient, clinician, coordinator, *, days_since_last_dose: int):
    """Screened with chemotherapy stopped that many days before today, approved by the MDT,
    consented and booked for collection today: each step through its own service."""
    course = open_course(patient, clinician)
    assessment = eligibility_services.screening_start(by=clinician, course=course)
    eligibility_services.screening_update(
        by=clinician,
        assessment=assessment,
        expected_version=assessment.version,
        fields=FIT_FIELDS,
        prior_lines=FIT_LINES,
        washout_therapies=[
            {
                "therapy_class": "chemotherapy",
                "description": "R-GemOx",
                "last_dose_date": TODAY - timedelta(days=days_since_last_dose),
            }
        ],
    )
    eligibility_services.decision_record(
        password=PASSWORD, by=clinician, course=course, decision="approve"
    )
    eligibility_services.consent_record(
        by=clinician,
        course=course,
        consented_on=TODAY,
        explained_by=clinician,
        document=pdf(),
        **ALL_ITEMS,
    )
    course.refresh_from_db()
    schedule = apheresis_services.schedule_create(by=coordinator, course=course, **GOOD_SCHEDULE)
    return course, schedule


def screening_washout(course):
    evaluation = eligibility_selectors.evaluate(eligibility_selectors.screening_for_course(course))
    (check,) = [c for c in evaluation.washouts if c.therapy.therapy_class == "chemotherapy"]
    return check


def pre_collection_washout(schedule):
    checks = {c.code: c for c in apheresis_services.schedule_checks(schedule)}
    return checks["washout_chemotherapy"]


@pytest.fixture
def frozen_on_collection_day():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


@pytest.mark.parametrize(("days_since_last_dose", "clear"), [(15, False), (21, True), (22, True)])
def test_chemotherapy_washout_set_to_21_days_in_the_admin_moves_screening_and_collection(
    client,
    frozen_on_collection_day,
    media,
    admin_alex,
    dr_ben,
    coordinator_cai,
    patient_7a,
    days_since_last_dose,
    clear,
):
    row = set_threshold_in_the_admin(client, admin_alex, "washout_chemotherapy_days", "21")
    assert row.value == 21
    assert row.history.latest().history_user == admin_alex

    course, schedule = course_with_chemotherapy(
        patient_7a, dr_ben, coordinator_cai, days_since_last_dose=days_since_last_dose
    )

    at_screening = screening_washout(course)
    assert (at_screening.min_days, at_screening.clear) == (21, clear)
    before_collection = pre_collection_washout(schedule)
    assert before_collection.params["min_days"] == "21"
    assert before_collection.passed is clear


def test_with_the_default_14_days_both_stages_clear_a_patient_15_days_after_the_last_dose(
    frozen_on_collection_day, media, dr_ben, coordinator_cai, patient_7a
):
    course, schedule = course_with_chemotherapy(
        patient_7a, dr_ben, coordinator_cai, days_since_last_dose=15
    )
    assert screening_washout(course).clear is True
    assert pre_collection_washout(schedule).passed is True
