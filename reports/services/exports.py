"""Exports: every one is logged; large ones run as jobs that a worker claims by id."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User

from ..datasets import Dataset, Filters
from ..export_checks import Shape, check_export, check_identifiable, study_code_key
from ..export_copy import CopyExport, header_bytes
from ..models import Delivery, ExportJob, ExportLog, FileFormat, JobStatus
from ..writers import cell_value, csv_chunks, write_csv, write_xlsx

logger = logging.getLogger(__name__)

EXPORT_DIR = "exports"
# Rows between two progress updates of a job (one UPDATE each): a CSV job written by COPY
# reads one key range of this many rows per COPY (a download: export_copy.CHUNK_ROWS);
# the Python writer reads batches of at most PYTHON_BATCH_ROWS and reports at the multiples.
PROGRESS_EVERY = 20_000
PYTHON_BATCH_ROWS = 1000
# A direct XLSX download is built before it is sent; above this, ask for a background job.
DIRECT_XLSX_MAX_ROWS = 20_000
# A job still "running" this long after it started lost its worker: it may be claimed again.
STALE_JOB_AFTER = timedelta(hours=1)


def export_log_start(
    *,
    by: User,
    dataset: Dataset,
    file_format: str,
    delivery: str,
    filters: Filters,
    identifiable: bool = False,
    purpose: str = "",
) -> ExportLog:
    log = ExportLog(
        user=by,
        dataset=dataset.key,
        file_format=file_format,
        delivery=delivery,
        filters=filters.as_dict(),
        identifiable=identifiable,
        purpose=(purpose or "").strip(),
    )
    log.full_clean()
    log.save()
    logger.info(
        "export started",
        extra={
            "export_log": log.pk,
            "dataset": dataset.key,
            "file_format": file_format,
            "identifiable": identifiable,
        },
    )
    return log


def _log_progress(log_id: int, rows: int, *, completed: bool) -> None:
    update = {"row_count": rows}
    if completed:
        update["completed_at"] = timezone.now()
    ExportLog.objects.filter(pk=log_id).update(**update)


class _Counter:
    """Counts rows as their batches pass, and reports progress once every `every` rows or
    more (with batches of `every` rows: at each multiple of it)."""

    def __init__(self, batches: Iterator[list[list]], every: int = 0, report=None):
        self.batches, self.count, self.every, self.report = batches, 0, every, report

    def __iter__(self):
        reported = 0
        for batch in self.batches:
            self.count += len(batch)
            if self.every and self.count - reported >= self.every:
                reported = self.count
                self.report(self.count)
            yield batch

    def rows(self) -> Iterator[list]:
        return chain.from_iterable(self)


def export_csv_stream(
    *,
    by: User,
    dataset_key: str,
    filters: Filters,
    delivery: str = Delivery.DOWNLOAD,
    identifiable: bool = False,
    purpose: str = "",
    as_bytes: bool = False,
) -> Iterator[str] | Iterator[bytes]:
    """CSV text of an export, produced as it is sent, a batch of rows at a time (memory does
    not grow with rows). The log is written first; its row count is completed when the last
    row has gone, or left at the rows sent if the download was interrupted. as_bytes: UTF-8
    pieces, as a response sends them (PostgreSQL's are then never decoded and encoded again).

    On PostgreSQL, PostgreSQL writes the rows where it can (export_copy.py); else Python."""
    mode = {"identifiable": identifiable, "purpose": purpose}
    dataset = check_export(by=by, dataset_key=dataset_key, filters=filters, **mode)
    shape = Shape(dataset, identifiable=identifiable)
    log = export_log_start(
        by=by,
        dataset=dataset,
        file_format=FileFormat.CSV,
        delivery=delivery,
        filters=filters,
        **mode,
    )
    copy = _copy_export(shape, filters)
    if copy is None:
        return _python_csv_stream(shape, filters, log.pk, as_bytes=as_bytes)

    def generate():
        count, completed = 0, False
        try:
            header = header_bytes(shape.header)
            yield header if as_bytes else header.decode("utf-8")
            for data, rows in copy.chunks():
                count += rows
                yield data if as_bytes else data.decode("utf-8")
            completed = True
        finally:
            _log_progress(log.pk, count, completed=completed)

    return generate()


def _copy_export(shape: Shape, filters: Filters) -> CopyExport | None:
    """The export written by PostgreSQL's COPY, or None when the Python writer writes it."""
    if not settings.EXPORT_CSV_COPY:
        return None
    steps = None if shape.plan is None else shape.plan.steps
    copy = CopyExport(shape.dataset, filters, steps=steps, key=study_code_key())
    return copy if copy.available else None


def _python_csv_stream(
    shape: Shape, filters: Filters, log_id: int, *, as_bytes: bool
) -> Iterator[str] | Iterator[bytes]:
    """The CSV written by Python, a batch of rows at a time: datasets without an SQL form,
    SQLite, and the reference the COPY path is tested and measured against."""
    counter = _Counter(shape.row_batches(filters))
    completed = False
    try:
        for text in csv_chunks(shape.header, counter):
            yield text.encode("utf-8") if as_bytes else text
        completed = True
    finally:
        _log_progress(log_id, counter.count, completed=completed)


def export_too_large_to_download(*, by: User, dataset_key: str, filters: Filters) -> int:
    """The estimated rows of an export when they exceed EXPORT_BACKGROUND_ABOVE_ROWS (such
    an export runs as a background job: a download of minutes would be cut off by proxy
    and server timeouts), else 0."""
    dataset = check_export(by=by, dataset_key=dataset_key, filters=filters)
    total = dataset.count(filters)
    return total if total > settings.EXPORT_BACKGROUND_ABOVE_ROWS else 0


def export_xlsx_file(
    *,
    by: User,
    dataset_key: str,
    filters: Filters,
    delivery: str = Delivery.DOWNLOAD,
    identifiable: bool = False,
    purpose: str = "",
):
    """An XLSX export in an anonymous temporary file (deleted when closed), logged."""
    mode = {"identifiable": identifiable, "purpose": purpose}
    dataset = check_export(by=by, dataset_key=dataset_key, filters=filters, **mode)
    shape = Shape(dataset, identifiable=identifiable)
    total = dataset.count(filters)
    if total > DIRECT_XLSX_MAX_ROWS:
        raise ValidationError(
            _(
                "%(n)s rows are too many for a direct Excel download (at most %(max)s): "
                "run the export in the background, or download CSV."
            )
            % {"n": total, "max": DIRECT_XLSX_MAX_ROWS},
            code="too_many_rows",
        )
    log = export_log_start(
        by=by,
        dataset=dataset,
        file_format=FileFormat.XLSX,
        delivery=delivery,
        filters=filters,
        **mode,
    )
    handle = tempfile.TemporaryFile()
    counter = _Counter(shape.row_batches(filters, typed=True))
    write_xlsx(handle, shape.header, counter.rows(), title=dataset.key)
    handle.seek(0)
    _log_progress(log.pk, counter.count, completed=True)
    return handle


def fhir_export_log(*, by: User, course, resources: int, purpose: str) -> ExportLog:
    """A FHIR bundle is an identifiable export of one course (a chart: administrators are
    refused it): logged with its purpose and resource count."""
    check_identifiable(by=by, purpose=purpose)
    log = ExportLog(
        user=by,
        dataset="fhir_course_bundle",
        file_format="fhir+json",
        delivery=Delivery.DOWNLOAD,
        filters={"course": course.pk},
        identifiable=True,
        purpose=purpose.strip(),
        row_count=resources,
        completed_at=timezone.now(),
    )
    log.full_clean()
    log.save()
    return log


def dashboard_export_log(*, by: User, chart: str, filters: dict, rows: int) -> ExportLog:
    """A dashboard table downloaded as CSV (aggregates only), logged like any export."""
    log = ExportLog(
        user=by,
        dataset=f"dashboard:{chart}",
        file_format=FileFormat.CSV,
        delivery=Delivery.DOWNLOAD,
        filters=filters,
        row_count=rows,
        completed_at=timezone.now(),
    )
    log.full_clean()
    log.save()
    return log


def chart_history_export_log(
    *, by: User, scope: str, filters: dict, rows: int, purpose: str
) -> ExportLog:
    """A chart's history downloaded as CSV: an identifiable export of one patient, so like
    every identifiable export it needs the auditor or clinician role and a stated purpose,
    logged; ``scope`` is "patient:<id>" or "course:<id>"."""
    check_identifiable(by=by, purpose=purpose)
    log = ExportLog(
        user=by,
        dataset=f"chart_history:{scope}",
        file_format=FileFormat.CSV,
        delivery=Delivery.DOWNLOAD,
        filters=filters,
        identifiable=True,
        purpose=purpose.strip(),
        row_count=rows,
        completed_at=timezone.now(),
    )
    log.full_clean()
    log.save()
    return log


def cell(value):
    return cell_value(value, tz=timezone.get_current_timezone())


def export_filename(dataset_key: str, file_format: str) -> str:
    return f"{dataset_key}-{timezone.localtime():%Y%m%d-%H%M}.{file_format}"


# --- Background jobs ---------------------------------------------------------------------


@transaction.atomic
def export_job_request(
    *,
    by: User,
    dataset_key: str,
    file_format: str,
    filters: Filters,
    identifiable: bool = False,
    purpose: str = "",
) -> ExportJob:
    """Queue an export; the worker is told the job id once this transaction commits."""
    from .. import tasks

    mode = {"identifiable": identifiable, "purpose": (purpose or "").strip()}
    dataset = check_export(by=by, dataset_key=dataset_key, filters=filters, **mode)
    if file_format not in FileFormat.values:
        raise ValidationError({"file_format": _("Choose CSV or XLSX.")})
    log = export_log_start(
        by=by,
        dataset=dataset,
        file_format=file_format,
        delivery=Delivery.BACKGROUND,
        filters=filters,
        **mode,
    )
    job = ExportJob(
        requested_by=by,
        dataset=dataset.key,
        file_format=file_format,
        filters=filters.as_dict(),
        log=log,
        **mode,
    )
    job.full_clean()
    job.save()
    transaction.on_commit(partial(tasks.run_export_job.delay, job.pk))
    return job


def _claim(job_id: int) -> bool:
    """Exactly one worker moves the job to running; a duplicate delivery finds nothing."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.RUNNING, started_at__lt=now - STALE_JOB_AFTER
    )
    return (
        ExportJob.objects.filter(claimable, pk=job_id).update(
            status=JobStatus.RUNNING, started_at=now, row_count=0, error=""
        )
        == 1
    )


def export_root() -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR


def export_job_run(*, job_id: int) -> bool:
    """Write the job's file under MEDIA_ROOT/exports/. False when another worker has it."""
    if not _claim(job_id):
        return False
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    filters = Filters.from_dict(job.filters)
    try:
        # The rules are checked again when the job runs: a role lost meanwhile stops it.
        dataset = check_export(
            by=job.requested_by,
            dataset_key=job.dataset,
            filters=filters,
            identifiable=job.identifiable,
            purpose=job.purpose,
        )
        shape = Shape(dataset, identifiable=job.identifiable)
        total = dataset.count(filters)
        ExportJob.objects.filter(pk=job.pk).update(total_rows=total)
        root = export_root()
        root.mkdir(parents=True, exist_ok=True)
        name = f"{job.pk}-{secrets.token_hex(8)}.{job.file_format}"
        partial_path = root / (name + ".part")

        def report(count: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(row_count=count)
            if job.log_id:
                _log_progress(job.log_id, count, completed=False)

        copy = _copy_export(shape, filters) if job.file_format == FileFormat.CSV else None
        if copy is not None:
            count = _write_csv_by_copy(partial_path, shape, copy, report)
        else:
            typed = job.file_format == FileFormat.XLSX  # a workbook: real dates and numbers
            batch_rows = min(PROGRESS_EVERY, PYTHON_BATCH_ROWS)
            counter = _Counter(
                shape.row_batches(filters, chunk_size=batch_rows, typed=typed),
                every=PROGRESS_EVERY,
                report=report,
            )
            if job.file_format == FileFormat.XLSX:
                write_xlsx(partial_path, shape.header, counter.rows(), title=dataset.key)
            else:
                write_csv(partial_path, shape.header, counter.rows())
            count = counter.count
        os.replace(partial_path, root / name)
    except Exception as error:  # the job row must say it failed, whatever went wrong
        logger.exception("export job failed", extra={"export_job": job.pk})
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return True
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        row_count=count,
        file_path=f"{EXPORT_DIR}/{name}",
        finished_at=timezone.now(),
    )
    if job.log_id:
        _log_progress(job.log_id, count, completed=True)
    return True


def _write_csv_by_copy(path: Path, shape: Shape, copy: CopyExport, report) -> int:
    """A CSV job's file as PostgreSQL writes it (the download's bytes): one COPY per key
    range of PROGRESS_EVERY keys, progress reported once PROGRESS_EVERY rows or more have
    been written since the last report (as _Counter; a range may hold fewer rows than keys,
    and the last, shorter one is reported as done). The rows."""
    count = reported = 0
    with path.open("wb") as handle:
        handle.write(header_bytes(shape.header))
        for data, rows in copy.chunks(PROGRESS_EVERY):
            handle.write(data)
            count += rows
            if count - reported >= PROGRESS_EVERY:
                reported = count
                report(count)
    return count


def job_file(job: ExportJob) -> str:
    """The stored name of the job's file (relative to MEDIA_ROOT), once it is done.
    core.files serves it and refuses a name outside MEDIA_ROOT/exports/."""
    if job.status != JobStatus.DONE or not job.file_path:
        raise ValidationError(_("This export has no file yet."))
    return job.file_path


def job_download_name(job: ExportJob) -> str:
    return f"{job.dataset}-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.{job.file_format}"


def job_file_missing_message() -> str:
    return _(
        "The export file is missing (export files are deleted %(days)s days after they "
        "were made); run the export again."
    ) % {"days": settings.EXPORT_FILE_RETENTION_DAYS}
