"""Follow-up fixtures: courses walked to infusion through the real services."""

from datetime import date, timedelta

import pytest

from patients import services as patient_services
from tests.factories import course_at_stage, product
from tests.infusion.helpers import record_passed_gate

PATH_TO_INFUSION = [
    "screening",
    "eligible",
    "consented",
    "apheresis",
    "manufacturing",
    "lymphodepletion",
]


def infuse(patient, clinician, day0: date, product_code: str = "axi-cel", by=None):
    """Open a course and walk it to infusion on day0 (the follow-up schedule is made then)."""
    course = patient_services.course_open(
        by=clinician,
        patient=patient,
        product=product(product_code),
        referred_on=day0 - timedelta(days=40),
    )
    for stage in PATH_TO_INFUSION:
        course_at_stage(
            by=clinician, course=course, to_stage=stage, effective_date=day0 - timedelta(days=5)
        )
    record_passed_gate(course, on=day0, by=clinician)
    course_at_stage(by=by or clinician, course=course, to_stage="infusion", effective_date=day0)
    course.refresh_from_db()
    return course


@pytest.fixture
def infused_7a(patient_7a, dr_ben):
    """Mrs Liu (ward 7A), infused with axi-cel on 2 March 2026."""
    return infuse(patient_7a, dr_ben, date(2026, 3, 2))


@pytest.fixture
def infused_7b(patient_7b, dr_ben):
    return infuse(patient_7b, dr_ben, date(2026, 3, 2))
