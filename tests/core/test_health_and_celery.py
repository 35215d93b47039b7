"""Health endpoint and a real Celery worker on the configured broker (Redis in CI)."""

import time

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import tasks
from core.models import WorkerHeartbeat


@pytest.mark.django_db
def test_readiness_shows_details_to_staff_only(client, admin_alex):
    # Anonymous callers learn the status only: an error text can name the database host.
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
    client.force_login(admin_alex)
    body = client.get("/health/ready/").json()
    assert body["checks"]["database"] == "ok"
    # No worker has beaten yet in a fresh test database, so the site says it is unhealthy.
    assert body["checks"]["celery"].startswith("error")


@pytest.mark.django_db
def test_a_failing_database_is_not_described_to_anyone(client, monkeypatch):
    from core import views

    def refused():
        raise OSError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

    monkeypatch.setattr(views, "_check_database", refused)
    response = client.get("/health/")
    assert response.status_code == 503
    assert b"db.internal" not in response.content and b"5432" not in response.content


@pytest.mark.django_db
def test_health_is_ok_with_a_fresh_heartbeat(client):
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now())
    for address in ("/health/", "/health/ready/"):
        response = client.get(address)
        assert response.status_code == 200, response.json()
        assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_a_stale_heartbeat_is_reported(client):
    WorkerHeartbeat.objects.create(
        name="worker", beat_at=timezone.now() - settings.CELERY_HEARTBEAT_STALE_AFTER * 2
    )
    assert client.get("/health/").status_code == 503


@pytest.mark.django_db
def test_liveness_asks_nothing_of_the_database(client, django_assert_num_queries, dr_ben):
    # Even with a session cookie, the liveness answer reads neither session nor user.
    client.force_login(dr_ben)
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_answers_without_a_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_beat_schedule_lives_in_settings():
    assert "core.tasks.record_worker_heartbeat" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_queued_on_commit():
    from celery.contrib.testing.worker import start_worker

    from cart_workflow.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            transaction.on_commit(tasks.record_worker_heartbeat.delay)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if WorkerHeartbeat.objects.filter(name="worker").exists():
                break
            time.sleep(0.2)
    assert WorkerHeartbeat.objects.filter(name="worker").exists()
