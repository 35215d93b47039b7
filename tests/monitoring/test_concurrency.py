"""Two nurses take the same task at the same moment: exactly one succeeds; two sweeps run
at the same moment: each task and reminder is made and delivered once (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from core.models import Notification
from monitoring import services
from monitoring.models import MonitoringTask, Reminder
from tests.factories import PatientFactory, UserFactory
from tests.monitoring.conftest import course_in_monitoring

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_exactly_one_of_two_nurses_takes_the_task(dr_ben, nurse_ada, ward_7a):
    nurse_eve = UserFactory(username="eve", first_name="Eve", roles=["nurse"], wards=[ward_7a])
    course_in_monitoring(
        PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben, day0=timezone.localdate()
    )
    services.monitoring_sweep()
    task = MonitoringTask.objects.filter(kind="vitals").get()
    barrier = threading.Barrier(2)
    outcomes = []

    def take(nurse):
        try:
            barrier.wait()
            services.task_take(by=nurse, task=task)
            outcomes.append(("ok", nurse.username))
        except ValidationError as error:
            outcomes.append(("refused", error.messages[0]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(n,)) for n in (nurse_ada, nurse_eve)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    winner = next(name for kind, name in outcomes if kind == "ok")
    task.refresh_from_db()
    assert task.taken_by.username == winner


def test_two_sweeps_at_once_make_and_deliver_each_reminder_once(dr_ben, nurse_ada, ward_7a):
    for _ in range(3):
        course_in_monitoring(
            PatientFactory(ward=ward_7a, attending_clinician=dr_ben),
            dr_ben,
            day0=timezone.localdate(),
        )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(services.monitoring_sweep())
        except Exception as error:  # a duplicate would fail on a unique key
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sum(r.tasks_created for r in results) == MonitoringTask.objects.count() == 6
    assert sum(r.reminders_created for r in results) == Reminder.objects.count() == 6
    assert sum(r.reminders_delivered for r in results) == 6
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=nurse_ada).count() == 6


def test_a_batch_another_sweep_is_delivering_is_skipped_not_waited_for(dr_ben, ward_7a):
    course_in_monitoring(
        PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben, day0=timezone.localdate()
    )
    services.tasks_create_due(now=timezone.now())
    services.reminders_create(now=timezone.now())
    ids = sorted(Reminder.objects.values_list("pk", flat=True))
    elsewhere = []

    def claim_elsewhere():
        try:
            with transaction.atomic():
                elsewhere.append(services._reminders_claim(limit=500))
        finally:
            connections.close_all()

    with transaction.atomic():
        assert services._reminders_claim(limit=500) == ids
        other = threading.Thread(target=claim_elsewhere)
        other.start()
        other.join(timeout=10)
        assert not other.is_alive(), "the second claimant waited for the first one's locks"
    assert elsewhere == [[]]
