"""Demo reports: one finished background export of the registry dataset for Alex, so the
export centre shows a job with its file. The dashboard needs nothing: it reads the demo
courses. Idempotent: an existing demo job is left alone."""

from datetime import date

from . import services
from .datasets import Filters
from .models import ExportJob, JobStatus


def seed(*, staff: dict, today: date) -> None:
    admin = staff.get("alex")
    if admin is None:
        return
    if ExportJob.objects.filter(
        requested_by=admin, dataset="registry", status=JobStatus.DONE
    ).exists():
        return
    job = services.export_job_request(
        by=admin, dataset_key="registry", file_format="xlsx", filters=Filters()
    )
    # Run it now rather than wait for a worker; the queued message then finds it done.
    services.export_job_run(job_id=job.pk)
