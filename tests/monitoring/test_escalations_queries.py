"""Issue 20: the open escalations page read each escalated patient's assessments, neurology
and tocilizumab doses one patient at a time (13 queries at 10,000 courses, 5 at 100). Its
queries must not grow with the number of escalations, and the advice must stay the same."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring import selectors, services
from monitoring.models import Escalation
from tests.factories import PatientFactory
from tests.monitoring.conftest import FEVER_HYPOTENSION, ICE_PERFECT, course_in_monitoring

pytestmark = pytest.mark.django_db

# Session, user, roles, the escalations, the advice (assessments, latest neurology,
# tocilizumab doses, advice catalogue), the unread-messages badge, the session save: 11 on
# SQLite, whatever the number of escalations.
BUDGET = 11


def _escalated_patient(ward, clinician, nurse, n: int):
    patient = PatientFactory(ward=ward, attending_clinician=clinician, family_name=f"Zhou{n}")
    course = course_in_monitoring(patient, clinician)
    at = timezone.now() - timedelta(minutes=10 + n)
    services.assessment_record(by=nurse, course=course, assessed_at=at, **FEVER_HYPOTENSION)
    services.assessment_record(
        by=nurse,
        course=course,
        assessed_at=at + timedelta(minutes=5),
        **{**FEVER_HYPOTENSION, **ICE_PERFECT},
    )
    return course


def _page_queries(client, budget, info) -> tuple[int, str]:
    client.get(reverse("monitoring:escalations"))  # the session's first request warms caches
    with budget(BUDGET, info=info), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("monitoring:escalations"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_queries_do_not_grow_with_the_escalations(
    client, frozen, ward_7a, dr_ben, nurse_ada, django_assert_max_num_queries
):
    client.force_login(dr_ben)
    counts = {}
    courses = []
    for total in (1, 2, 5):
        while len(courses) < total:
            courses.append(_escalated_patient(ward_7a, dr_ben, nurse_ada, len(courses)))
        assert Escalation.objects.filter(acknowledged_at__isnull=True).count() >= total
        counts[total], body = _page_queries(
            client, django_assert_max_num_queries, f"{total} escalated patients"
        )
    assert len(set(counts.values())) == 1, counts
    for course in courses:
        assert course.patient.mrn in body
    assert body.count('data-testid="advice-tocilizumab"') >= len(courses)


def test_the_advice_of_many_courses_is_each_courses_own(frozen, ward_7a, dr_ben, nurse_ada):
    courses = [_escalated_patient(ward_7a, dr_ben, nurse_ada, n) for n in range(3)]
    now = timezone.now()
    loaded = [escalation.course for escalation in selectors.open_escalations_for(dr_ben)]
    together = selectors.advice_for_courses(loaded, now=now)
    assert set(together) == {course.pk for course in courses}
    for course in courses:
        assert together[course.pk] == selectors.advice_for(course, now=now)
        assert together[course.pk]
