"""Nightly retention on beat: expired sessions, records past a hospital's retention rule, and
export files older than EXPORT_FILE_RETENTION_DAYS."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core import tasks
from core.models import WorkerHeartbeat
from core.retention import records_expire
from reports import services
from reports.datasets import Filters
from reports.retention import export_files_expire
from reports.tasks import expire_export_files

pytestmark = pytest.mark.django_db


def test_beat_runs_both_retention_jobs_nightly():
    tasks_on_beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"core.tasks.retention_sweep", "reports.tasks.expire_export_files"} <= tasks_on_beat


def test_expired_sessions_are_deleted(client, nurse_ada):
    client.force_login(nurse_ada)
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(minutes=1)
    )
    tasks.retention_sweep()
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        client.session.session_key
    ]


def test_records_past_their_rule_are_deleted_and_unknown_models_skipped(settings):
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="old", beat_at=now - timedelta(days=31))
    WorkerHeartbeat.objects.create(name="new", beat_at=now - timedelta(days=29))
    settings.RETENTION_RULES = [
        ("core.WorkerHeartbeat", "beat_at", 30),
        ("his.RawMessage", "received_at", 90),  # not installed in this build: skipped
    ]
    assert tasks.retention_sweep() == {"core.WorkerHeartbeat": 1}
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["new"]
    assert records_expire() == {"core.WorkerHeartbeat": 0}


def test_export_files_are_deleted_after_the_retention(client, admin_alex, media, settings):
    settings.EXPORT_FILE_RETENTION_DAYS = 7
    old, recent = (
        services.export_job_request(
            by=admin_alex, dataset_key="courses", file_format="csv", filters=Filters()
        )
        for _ in range(2)
    )
    for job in (old, recent):
        services.export_job_run(job_id=job.pk)
    old.refresh_from_db()
    old_file = media / old.file_path
    stray = media / "exports" / "99-crashed.csv.part"
    stray.write_text("partial")
    eight_days_ago = (timezone.now() - timedelta(days=8)).timestamp()
    for path in (old_file, stray):
        os.utime(path, (eight_days_ago, eight_days_ago))

    assert expire_export_files() == 2
    assert not old_file.exists() and not stray.exists()
    recent.refresh_from_db()
    assert (media / recent.file_path).exists()
    assert export_files_expire() == 0  # a second run (or a second worker) finds nothing

    client.force_login(admin_alex)
    response = client.get(reverse("reports:job_download", args=[old.pk]))
    assert response.status_code == 404 and "run the export again" in response.content.decode()


def test_a_rule_may_keep_rows_its_filter_does_not_match(settings):
    old = timezone.now() - timedelta(days=31)
    WorkerHeartbeat.objects.create(name="handled", beat_at=old)
    WorkerHeartbeat.objects.create(name="held", beat_at=old)
    rules = [("core.WorkerHeartbeat", "beat_at", 30, {"name__in": ["handled"]})]
    assert records_expire(rules=rules) == {"core.WorkerHeartbeat": 1}
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["held"]


def test_rows_still_referenced_are_kept(admin_alex, media):
    from reports.models import ExportJob, ExportLog

    referenced, free = (
        services.export_job_request(
            by=admin_alex, dataset_key="courses", file_format="csv", filters=Filters()
        )
        for _ in range(2)
    )
    free_log = free.log_id
    ExportJob.objects.filter(pk=free.pk).delete()  # its log is no longer referenced
    ExportLog.objects.update(started_at=timezone.now() - timedelta(days=400))
    rules = [("reports.ExportLog", "started_at", 365)]
    assert records_expire(rules=rules) == {"reports.ExportLog": 1}
    assert list(ExportLog.objects.values_list("pk", flat=True)) == [referenced.log_id]
    assert free_log != referenced.log_id
