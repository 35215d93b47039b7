"""Two nurses take the same task at the same moment: exactly one succeeds (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from monitoring import services
from monitoring.models import MonitoringTask
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
