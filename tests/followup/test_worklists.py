"""Worklists and the reminder sweep. Run on PostgreSQL too:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/cart_followup pytest tests/followup
"""

import threading
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from core.services import outbox_deliver_due
from followup import selectors, services
from followup.models import ScheduledVisit, VisitReminder
from tests.factories import PatientFactory
from tests.followup.conftest import infuse

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def codes(visits):
    return sorted((v.course.patient.mrn, v.code) for v in visits)


@pytest.fixture
def ward_courses(ward_7a, ward_7b, dr_ben):
    """Three infused patients: two on 7A, one on 7B, at different points of follow-up."""
    a1 = PatientFactory(mrn="A1", ward=ward_7a, attending_clinician=dr_ben)
    a2 = PatientFactory(mrn="A2", ward=ward_7a, attending_clinician=dr_ben)
    b1 = PatientFactory(mrn="B1", ward=ward_7b, attending_clinician=dr_ben)
    return {
        # Day 0 on 2 March: Day 14 and Day 28 overdue, Day 100 due (window open).
        "a1": infuse(a1, dr_ben, date(2026, 3, 2)),
        # Day 0 on 1 June: Day 14 (15 June) due this week.
        "a2": infuse(a2, dr_ben, date(2026, 6, 1)),
        # Infused two years ago, never seen since.
        "b1": infuse(b1, dr_ben, date(2024, 5, 1)),
    }


def test_visits_due_this_week(ward_courses, dr_ben):
    due = selectors.visits_due_this_week(dr_ben, TODAY)
    # B1's Year 2 (1 May) is past its date but its window (±60 days) is still open.
    assert codes(due) == [("A1", "d100"), ("A2", "d14"), ("B1", "y2")]


def test_a_visit_due_in_eight_days_is_not_this_week(ward_courses, dr_ben):
    # A2's Day 14 window opens 12 June; on 8 June its target (15 June) is 7 days away.
    assert ("A2", "d14") not in codes(selectors.visits_due_this_week(dr_ben, date(2026, 6, 8)))
    assert ("A2", "d14") in codes(selectors.visits_due_this_week(dr_ben, date(2026, 6, 9)))


def test_overdue_visits_longest_first_with_days(ward_courses, dr_ben):
    overdue = list(selectors.visits_overdue(dr_ben, TODAY))
    assert codes(overdue)[:2] == [("A1", "d14"), ("A1", "d28")]
    b1 = [v for v in overdue if v.course.patient.mrn == "B1"]
    assert [v.code for v in b1] == ["d14", "d28", "d100", "m6", "m12"]
    assert overdue[0].course.patient.mrn == "B1" and overdue[0].code == "d14"
    from followup import schedule

    a1_d28 = next(v for v in overdue if (v.course.patient.mrn, v.code) == ("A1", "d28"))
    assert schedule.days_overdue(window_end=a1_d28.window_end, today=TODAY) == 70


def test_nurse_sees_only_her_wards(ward_courses, nurse_ada, nurse_dan):
    assert {v.course.patient.mrn for v in selectors.visits_overdue(nurse_ada, TODAY)} == {"A1"}
    assert {v.course.patient.mrn for v in selectors.visits_overdue(nurse_dan, TODAY)} == {"B1"}


def test_administrator_sees_no_worklist(ward_courses, admin_alex):
    assert not selectors.visits_overdue(admin_alex, TODAY).exists()
    assert not selectors.courses_not_seen(admin_alex, TODAY).exists()


def test_done_visits_leave_the_worklists(ward_courses, nurse_ada):
    a1 = ward_courses["a1"]
    services.visit_record(
        by=nurse_ada,
        course=a1,
        scheduled_visit=ScheduledVisit.objects.get(course=a1, code="d28"),
        visit_date=date(2026, 4, 20),
    )
    assert ("A1", "d28") not in codes(selectors.visits_overdue(nurse_ada, TODAY))


def test_patients_not_seen_for_more_than_a_year(ward_courses, dr_ben, nurse_dan):
    stale = list(selectors.courses_not_seen(dr_ben, TODAY))
    assert [(c.patient.mrn, c.last_seen) for c in stale] == [("B1", date(2024, 5, 1))]
    # Seen by telephone last month: off the list.
    services.visit_record(
        by=nurse_dan,
        course=ward_courses["b1"],
        visit_date=date(2026, 5, 2),
        contact_type="telephone",
    )
    assert not selectors.courses_not_seen(dr_ben, TODAY).exists()


def test_lost_to_follow_up_stays_on_the_not_seen_list(ward_courses, dr_ben):
    services.visit_record(
        by=dr_ben, course=ward_courses["b1"], visit_date=date(2026, 6, 1), vital_status="lost"
    )
    assert [c.patient.mrn for c in selectors.courses_not_seen(dr_ben, TODAY)] == ["B1"]


def test_the_dead_leave_every_worklist(ward_courses, dr_ben):
    services.visit_record(
        by=dr_ben,
        course=ward_courses["b1"],
        visit_date=date(2026, 6, 1),
        vital_status="dead",
        death_date=date(2025, 1, 10),
        death_cause="progression",
    )
    assert "B1" not in {v.course.patient.mrn for v in selectors.visits_overdue(dr_ben, TODAY)}
    assert not selectors.courses_not_seen(dr_ben, TODAY).exists()


def test_worklist_queries_do_not_grow_with_rows(
    ward_courses, dr_ben, client, django_assert_max_num_queries
):
    client.force_login(dr_ben)
    with django_assert_max_num_queries(12):
        response = client.get("/follow-up/")
    assert response.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_reminder_once(ward_7a, dr_ben, nurse_ada, settings):
    nurse_ada.email = "ada@cart.example"
    nurse_ada.save()
    patient = PatientFactory(mrn="A9", ward=ward_7a, attending_clinician=dr_ben)
    infuse(patient, dr_ben, date(2026, 3, 2))
    errors = []
    barrier = threading.Barrier(4)

    def sweep_and_send():
        try:
            barrier.wait()
            ids = services.reminders_sweep()
            for pk in ids:
                services.reminder_send(reminder_id=pk)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    from cart_workflow.celery import app

    app.conf.task_always_eager = False
    import followup.tasks

    queued = []
    original = followup.tasks.send_visit_reminder.delay
    followup.tasks.send_visit_reminder.delay = queued.append
    try:
        threads = [threading.Thread(target=sweep_and_send) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        followup.tasks.send_visit_reminder.delay = original
    assert not errors
    assert VisitReminder.objects.count() == 3
    outbox_deliver_due()
    assert len(mail.outbox) == 3
    assert not VisitReminder.objects.filter(sent_at__isnull=True).exists()
