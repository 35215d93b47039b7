"""Background exports: the task gets a job id and calls the service, which claims the row."""

from celery import shared_task

from . import services


@shared_task
def run_export_job(job_id: int) -> bool:
    """Write one export job's file. A second delivery of the same id does nothing."""
    return services.export_job_run(job_id=job_id)


@shared_task
def expire_export_files() -> int:
    """Beat, nightly: delete export files older than EXPORT_FILE_RETENTION_DAYS."""
    from .retention import export_files_expire

    return export_files_expire()


@shared_task
def refresh_dashboard_snapshot(scope_key: str) -> bool:
    """Recompute one filter's dashboard figures (queued by a reader who found them stale)."""
    return services.dashboard_refresh_by_key(scope_key=scope_key) is not None


@shared_task
def refresh_dashboard_snapshots() -> dict:
    """Beat: keep the dashboard's stored figures fresh."""
    return services.dashboard_refresh_sweep()
