"""Background exports: the task gets a job id and calls the service, which claims the row."""

from celery import shared_task

from . import services


@shared_task
def run_export_job(job_id: int) -> bool:
    """Write one export job's file. A second delivery of the same id does nothing."""
    return services.export_job_run(job_id=job_id)
