"""Reminders with a real Celery worker process on Redis and PostgreSQL (as in CI).

Delivered exactly once across a duplicate sweep, a worker killed with SIGKILL and a Redis
flush that loses the queued messages: the database rows decide, not the broker.
"""

import signal
import subprocess
import time

import pytest
from django.utils import timezone

from core.models import Notification
from monitoring import tasks
from monitoring.models import Reminder
from tests.factories import PatientFactory
from tests.monitoring.conftest import course_in_monitoring
from tests.worker_process import flush_broker, needs_postgresql_and_redis, start_worker, wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    needs_postgresql_and_redis,
]


def test_reminders_are_delivered_exactly_once(dr_ben, nurse_ada, ward_7a):
    flush_broker()
    course_in_monitoring(
        PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben, day0=timezone.localdate()
    )
    worker = start_worker("first")
    try:
        # A duplicate sweep: beat fired twice, or two beats ran.
        tasks.monitoring_sweep.delay()
        tasks.monitoring_sweep.delay()
        assert wait_for(lambda: Notification.objects.filter(recipient=nurse_ada).count() >= 2)
        time.sleep(3)  # let the second sweep finish too
        assert Notification.objects.filter(recipient=nurse_ada).count() == 2
        assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    finally:
        worker.send_signal(signal.SIGKILL)  # killed, not shut down
        worker.wait(timeout=10)

    # A second patient comes due while no worker runs; the queued sweep is lost in a
    # Redis flush. Nothing is lost for good: the next sweep finds the rows.
    course_in_monitoring(
        PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben, day0=timezone.localdate()
    )
    tasks.monitoring_sweep.delay()
    flush_broker()
    worker = start_worker("second")
    try:
        tasks.monitoring_sweep.delay()
        tasks.monitoring_sweep.delay()
        assert wait_for(lambda: Notification.objects.filter(recipient=nurse_ada).count() >= 4)
        time.sleep(3)
        assert Notification.objects.filter(recipient=nurse_ada).count() == 4
        assert Reminder.objects.filter(sent_at__isnull=False).count() == 4
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
