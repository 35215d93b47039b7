from datetime import date

import pytest
import time_machine

from patients import services as patient_services
from tests.factories import course_at_stage, product
from tests.infusion.helpers import record_passed_gate

# Thursday 15 June 2026, 09:00 in Chongqing: day shift.
NOW = "2026-06-15 09:00 +08:00"
DAY0 = date(2026, 6, 14)

PATH_TO_INFUSION = [
    "screening",
    "eligible",
    "consented",
    "apheresis",
    "manufacturing",
    "lymphodepletion",
]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def course_in_monitoring(patient, clinician, *, day0=DAY0):
    course = patient_services.course_open(
        by=clinician, patient=patient, product=product(), referred_on=date(2026, 5, 1)
    )
    for stage in PATH_TO_INFUSION:
        course_at_stage(
            by=clinician, course=course, to_stage=stage, effective_date=date(2026, 5, 2)
        )
    record_passed_gate(course, on=day0, by=clinician)
    course_at_stage(by=clinician, course=course, to_stage="infusion", effective_date=day0)
    course_at_stage(by=clinician, course=course, to_stage="monitoring", effective_date=day0)
    course.refresh_from_db()
    return course


@pytest.fixture
def monitored(frozen, patient_7a, dr_ben):
    """Mrs Liu on ward 7A, infused yesterday (Day 0 = 14 June), now in monitoring."""
    return course_in_monitoring(patient_7a, dr_ben)


CALM = {
    "temperature_c": "37.2",
    "heart_rate_bpm": 82,
    "systolic_bp_mmhg": 122,
    "diastolic_bp_mmhg": 74,
    "spo2_percent": 97,
    "respiratory_rate_per_min": 16,
    "oxygen_device": "room_air",
}
FEVER_HYPOTENSION = {
    **CALM,
    "temperature_c": "39.1",
    "systolic_bp_mmhg": 84,
    "diastolic_bp_mmhg": 48,
    "hypotension": True,
}
ICE_PERFECT = {
    "neuro_assessed": True,
    "ice_orientation": 4,
    "ice_naming": 3,
    "ice_commands": 1,
    "ice_writing": 1,
    "ice_attention": 1,
    "consciousness": "alert",
}


def discharge_today(course, by):
    """The patient goes home today while monitoring continues (an outpatient on Today)."""
    from django.utils import timezone

    from followup.services import discharge_record

    return discharge_record(
        by=by,
        course=course,
        discharge_date=timezone.localdate(),
        caregiver_name="Li Na",
        caregiver_relationship="daughter",
        caregiver_phone="13800000000",
        centre_phone="023-0000000",
    )
