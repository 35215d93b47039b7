import pytest

from core.audit import unaudited
from eligibility import demo, selectors
from eligibility.models import ScreeningAssessment
from tests.eligibility.conftest import TODAY, open_course
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_demo_fills_screening_courses_once(dr_ben, ward_7a):
    from eligibility import services

    courses = []
    for diagnosis in ("LBCL", "MM"):
        course = open_course(
            PatientFactory(ward=ward_7a, diagnosis=diagnosis),
            dr_ben,
            "axi-cel" if diagnosis == "LBCL" else "cilta-cel",
        )
        services.screening_start(by=dr_ben, course=course)
        with unaudited("test set-up"):
            ScreeningAssessment._base_manager.filter(course=course).delete()
        courses.append(course)
    demo.seed(staff={"ben": dr_ben}, today=TODAY)
    demo.seed(staff={"ben": dr_ben}, today=TODAY)
    assert ScreeningAssessment.objects.count() == 2
    results = [
        selectors.evaluate(selectors.screening_for_course(c)).result.overall for c in courses
    ]
    assert results == ["eligible", "incomplete"]
