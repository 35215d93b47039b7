"""A finished export job's file is served through core.files on the page and the API."""

import pytest
from django.urls import reverse

from reports import services
from reports.datasets import Filters

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_job(programme, admin_alex, media):
    job = services.export_job_request(
        by=admin_alex, dataset_key="courses", file_format="csv", filters=Filters()
    )
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def addresses(job):
    return [
        reverse("reports:job_download", args=[job.pk]),
        f"/api/reports/export-jobs/{job.pk}/download/",
    ]


def test_served_as_sandboxed_attachment(client, admin_alex, done_job):
    client.force_login(admin_alex)
    for url in addresses(done_job):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="courses-')
        assert response["Content-Security-Policy"] == "sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_handed_to_nginx_behind_the_proxy(client, admin_alex, done_job, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected/"
    client.force_login(admin_alex)
    for url in addresses(done_job):
        response = client.get(url)
        assert response["X-Accel-Redirect"] == f"/_protected/{done_job.file_path}"
        assert response.content == b""


def test_a_deleted_export_file_is_a_clear_404(client, admin_alex, done_job, media):
    (media / done_job.file_path).unlink()
    client.force_login(admin_alex)
    page, api = (client.get(url) for url in addresses(done_job))
    assert page.status_code == 404
    assert "run the export again" in page.content.decode()
    assert api.status_code == 404 and "run the export again" in api.json()["detail"]


def test_a_path_outside_the_export_folder_is_not_served(client, admin_alex, done_job, media):
    from reports.models import ExportJob

    (media / "secret.txt").write_text("x")
    ExportJob.objects.filter(pk=done_job.pk).update(file_path="exports/../secret.txt")
    client.force_login(admin_alex)
    for url in addresses(done_job):
        assert client.get(url).status_code == 404
