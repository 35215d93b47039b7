"""REST endpoints: same roles as the pages, strict parameters, logged exports."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from reports import services
from reports.models import ExportJob, ExportLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


class TestDashboardApi:
    @pytest.mark.parametrize("role", ["clinician", "administrator", "auditor"])
    def test_readers(self, api, personas, programme, role):
        response = as_user(api, personas[role]).get("/api/reports/dashboard/")
        assert response.status_code == 200
        assert {s["stage"]: s["count"] for s in response.json()["stages"]}["deceased"] == 1

    @pytest.mark.parametrize("role", ["nurse", "apheresis_coordinator", "pharmacist"])
    def test_refused(self, api, personas, role):
        assert as_user(api, personas[role]).get("/api/reports/dashboard/").status_code == 403

    def test_anonymous(self, api):
        assert api.get("/api/reports/dashboard/").status_code in (401, 403)

    def test_unknown_and_bad_parameters(self, api, dr_ben):
        as_user(api, dr_ben)
        assert api.get("/api/reports/dashboard/", {"product": "axi-cel"}).status_code == 400
        bad = api.get(
            "/api/reports/dashboard/", {"infused_from": "2026-05-01", "infused_to": "2026-01-01"}
        )
        assert bad.status_code == 400 and "infused_to" in bad.json()

    def test_no_writes(self, api, admin_alex):
        assert as_user(api, admin_alex).post("/api/reports/dashboard/").status_code == 403


class TestExportApi:
    def test_csv_endpoint_streams_and_logs(self, api, auditor_cara, programme):
        response = as_user(api, auditor_cara).get(
            "/api/reports/exports/interventions.csv", {"product": "axi-cel"}
        )
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["kind"] for r in rows] == ["tocilizumab", "corticosteroid"]
        log = ExportLog.objects.get()
        assert (log.delivery, log.row_count, log.dataset) == ("api", 2, "interventions")

    def test_csv_endpoint_refuses_bad_input(self, api, admin_alex, programme):
        as_user(api, admin_alex)
        assert api.get("/api/reports/exports/nope.csv").status_code == 400
        assert api.get("/api/reports/exports/courses.csv", {"colour": "red"}).status_code == 400
        assert api.get("/api/reports/exports/courses.csv", {"product": "zzz"}).status_code == 400
        bad_range = api.get(
            "/api/reports/exports/courses.csv", {"date_from": "2026-05-01", "date_to": "2026-01-01"}
        )
        assert bad_range.status_code == 400 and "date_to" in bad_range.json()
        assert (
            api.get("/api/reports/exports/audit_trail.csv", {"stage": "infusion"}).status_code
            == 400
        )
        assert not ExportLog.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "apheresis_coordinator", "pharmacist"])
    def test_others_refused(self, api, personas, programme, role):
        as_user(api, personas[role])
        assert api.get("/api/reports/exports/courses.csv").status_code == 403
        assert api.get("/api/reports/export-log/").status_code == 403
        assert api.get("/api/reports/export-jobs/").status_code == 403
        assert api.post("/api/reports/export-jobs/", {"dataset": "courses"}).status_code == 403
        assert api.get(f"/api/reports/fhir/courses/{programme['a'].pk}/").status_code == 403
        assert not ExportLog.objects.exists() and not ExportJob.objects.exists()

    def test_job_lifecycle(
        self, api, admin_alex, auditor_cara, programme, media, django_capture_on_commit_callbacks
    ):
        as_user(api, admin_alex)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            created = api.post(
                "/api/reports/export-jobs/",
                {"dataset": "registry", "file_format": "xlsx", "diagnosis": "LBCL"},
                format="json",
            )
        assert created.status_code == 201 and len(callbacks) == 1
        job_id = created.json()["id"]
        assert created.json()["status"] == "queued"
        assert created.json()["filters"]["diagnosis"] == "LBCL"
        assert api.get(f"/api/reports/export-jobs/{job_id}/download/").status_code == 400
        services.export_job_run(job_id=job_id)
        detail = api.get(f"/api/reports/export-jobs/{job_id}/").json()
        assert (detail["status"], detail["row_count"], detail["progress_percent"]) == (
            "done",
            2,
            100,
        )
        download = api.get(f"/api/reports/export-jobs/{job_id}/download/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content)[:2] == b"PK"
        # Another exporter does not see it.
        as_user(api, auditor_cara)
        assert api.get(f"/api/reports/export-jobs/{job_id}/").status_code == 404
        assert api.get("/api/reports/export-jobs/").json()["count"] == 0

    def test_job_request_errors(self, api, admin_alex):
        as_user(api, admin_alex)
        assert api.post("/api/reports/export-jobs/", {"dataset": "nope"}).status_code == 400
        bad = api.post(
            "/api/reports/export-jobs/", {"dataset": "courses", "file_format": "pdf"}, format="json"
        )
        assert bad.status_code == 400 and "file_format" in bad.json()
        assert not ExportJob.objects.exists()

    def test_export_log_list_and_filter(self, api, dr_ben, auditor_cara, programme):
        services.fhir_export_log(
            by=dr_ben, course=programme["a"], resources=9, purpose="Transfer to Hospital B"
        )
        response = as_user(api, auditor_cara).get("/api/reports/export-log/", {"user": "ben"})
        assert response.status_code == 200
        [entry] = response.json()["results"]
        assert (entry["user"], entry["dataset"], entry["row_count"]) == (
            "ben",
            "fhir_course_bundle",
            9,
        )
        assert (entry["identifiable"], entry["purpose"]) == (True, "Transfer to Hospital B")
        assert api.get("/api/reports/export-log/", {"who": "alex"}).status_code == 400

    def test_fhir_endpoint(self, api, auditor_cara, programme):
        as_user(api, auditor_cara)
        purpose = {"purpose": "Audit of CRS grading"}
        response = api.get(f"/api/reports/fhir/courses/{programme['b'].pk}/", purpose)
        assert response.status_code == 200 and response.json()["resourceType"] == "Bundle"
        assert api.get("/api/reports/fhir/courses/999999/", purpose).status_code == 404
        assert ExportLog.objects.get().dataset == "fhir_course_bundle"


class TestLargeApiExportsGoToTheBackground:
    """Issue 19: a direct CSV over EXPORT_BACKGROUND_ABOVE_ROWS is cut off by timeouts; in the
    API too it becomes a background job (202 with the job and its Location)."""

    def test_above_the_threshold_a_job_is_queued(self, api, admin_alex, programme, settings):
        settings.EXPORT_BACKGROUND_ABOVE_ROWS = 1
        response = as_user(api, admin_alex).get("/api/reports/exports/assessments.csv")
        assert response.status_code == 202, response.content[:500]
        job = ExportJob.objects.get()
        assert response.json()["id"] == job.pk and job.file_format == "csv"
        assert response["Location"] == f"/api/reports/export-jobs/{job.pk}/"
        assert job.log.delivery == "background" and job.identifiable is False
        assert api.get(response["Location"]).json()["status"] in ("queued", "running", "done")

    def test_identifiable_large_export_keeps_its_purpose(
        self, api, auditor_cara, programme, settings
    ):
        settings.EXPORT_BACKGROUND_ABOVE_ROWS = 1
        purpose = "Registry submission for the quarter"
        response = as_user(api, auditor_cara).get(
            "/api/reports/exports/patients.csv", {"identifiable": "true", "purpose": purpose}
        )
        assert response.status_code == 202
        job = ExportJob.objects.get()
        assert (job.identifiable, job.purpose) == (True, purpose)

    def test_below_the_threshold_it_streams(self, api, admin_alex, programme, settings):
        settings.EXPORT_BACKGROUND_ABOVE_ROWS = 100_000
        response = as_user(api, admin_alex).get("/api/reports/exports/assessments.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert not ExportJob.objects.exists()
