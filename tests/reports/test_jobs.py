"""Background exports: the task takes an id, claims the row once, writes under
MEDIA_ROOT/exports/, reports progress, and fails visibly."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from core.files import FileMissing, stored_path
from core.roles import Role
from reports import services, tasks
from reports.datasets import Filters
from reports.models import ExportJob, ExportLog
from reports.services import exports

pytestmark = pytest.mark.django_db


def request(user, key="stage_events", file_format="csv", filters=None):
    return services.export_job_request(
        by=user, dataset_key=key, file_format=file_format, filters=filters or Filters()
    )


def test_the_task_writes_the_file_and_completes_the_log(programme, admin_alex, media):
    job = request(admin_alex, filters=Filters(product="axi-cel"))
    assert tasks.run_export_job(job.pk) is True
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.row_count, job.progress_percent) == (
        "done",
        10,
        10,
        100,
    )
    assert job.file_path.startswith("exports/") and job.file_path.endswith(".csv")
    path = stored_path(services.job_file(job), under="exports")
    assert path.parent == (media / "exports").resolve()
    lines = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()
    # An administrator's job is pseudonymised: a study code instead of the MRN.
    assert len(lines) == 11 and lines[0].startswith("event_id,course_id,study_code,product")
    log = ExportLog.objects.get()
    assert (log.row_count, log.delivery, log.job) == (10, "background", job)
    assert log.completed_at is not None
    assert not list((media / "exports").glob("*.part"))


def test_xlsx_job(programme, auditor_cara, media):
    job = request(auditor_cara, key="followup_visits", file_format="xlsx")
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    sheet = load_workbook(media / services.job_file(job)).active
    assert sheet.max_row == 6 and job.row_count == 5


def test_a_second_delivery_does_nothing(programme, admin_alex, media):
    job = request(admin_alex)
    assert services.export_job_run(job_id=job.pk) is True
    assert services.export_job_run(job_id=job.pk) is False
    assert len(list((media / "exports").iterdir())) == 1


def test_a_job_running_elsewhere_is_left_alone_until_stale(programme, admin_alex, media):
    job = request(admin_alex)
    ExportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    assert services.export_job_run(job_id=job.pk) is False
    # The worker died an hour ago (acks_late redelivers the message): claim it again.
    ExportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=2))
    assert services.export_job_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == "done"


def test_progress_is_reported_while_writing(programme, admin_alex, media, monkeypatch):
    seen = []
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 5)
    job = request(admin_alex)
    real_update = exports._log_progress

    def record(log_id, rows, *, completed):
        seen.append((rows, ExportJob.objects.get(pk=job.pk).row_count, completed))
        real_update(log_id, rows, completed=completed)

    monkeypatch.setattr(exports, "_log_progress", record)
    services.export_job_run(job_id=job.pk)
    assert seen == [
        (5, 5, False),
        (10, 10, False),
        (15, 15, False),
        (20, 20, False),
        (22, 22, True),
    ]


def test_a_job_whose_requester_lost_the_role_fails(programme, admin_alex, media):
    job = request(admin_alex)
    admin_alex.groups.clear()
    del admin_alex.roles
    assert services.export_job_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == "failed" and "may not export" in job.error
    with pytest.raises(ValidationError, match="no file yet"):
        services.job_file(job)


def test_a_file_path_outside_the_export_folder_is_refused(programme, admin_alex, media):
    job = request(admin_alex)
    (media / "secret.txt").write_text("x")
    ExportJob.objects.filter(pk=job.pk).update(status="done", file_path="exports/../secret.txt")
    job.refresh_from_db()
    with pytest.raises(FileMissing):
        stored_path(services.job_file(job), under="exports")


@pytest.mark.parametrize("role", [Role.APHERESIS_COORDINATOR, Role.NURSE, Role.PHARMACIST])
def test_others_cannot_queue_a_job(programme, personas, role):
    user = str(role)
    with pytest.raises(Exception, match="may not export"):
        request(personas[user])
    assert not ExportJob.objects.exists() and not ExportLog.objects.exists()
