"""Pages: who reaches what, CSV and XLSX downloads, jobs, the dashboard and its CSVs."""

import csv
import io
import json
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import ExportJob, ExportLog

pytestmark = pytest.mark.django_db

EXPORTERS = ["administrator", "auditor"]
# Clinicians export too (identifiable with a purpose: tests/reports/test_pseudonymised.py).
NOT_EXPORTERS = ["nurse", "other_nurse", "apheresis_coordinator", "pharmacist"]
DASHBOARD_READERS = ["clinician", "administrator", "auditor"]
NO_DASHBOARD = ["nurse", "apheresis_coordinator", "pharmacist"]


def as_user(client, user):
    client.force_login(user)
    return client


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def export(client, **overrides):
    data = {"dataset": "courses", "file_format": "csv", "delivery": "download", **overrides}
    return client.post(reverse("reports:exports"), data)


class TestAccess:
    @pytest.mark.parametrize("role", EXPORTERS)
    def test_exporters_open_the_export_centre(self, client, personas, role):
        response = as_user(client, personas[role]).get(reverse("reports:exports"))
        assert response.status_code == 200
        assert 'data-testid="export-form"' in response.content.decode()
        assert "audit_trail" in [k for k, _ in response.context["form"].fields["dataset"].choices]
        assert as_user(client, personas[role]).get(reverse("reports:export_log")).status_code == 200

    @pytest.mark.parametrize("role", NOT_EXPORTERS)
    def test_others_are_refused_every_export(self, client, personas, role, programme):
        as_user(client, personas[role])
        assert client.get(reverse("reports:exports")).status_code == 403
        assert export(client).status_code == 403
        assert client.get(reverse("reports:export_log")).status_code == 403
        fhir = client.get(reverse("reports:fhir_bundle"), {"course": programme["a"].pk})
        assert fhir.status_code == 403
        assert not ExportLog.objects.exists()

    @pytest.mark.parametrize("role", DASHBOARD_READERS)
    def test_dashboard_readers(self, client, personas, role):
        response = as_user(client, personas[role]).get(reverse("reports:dashboard"))
        assert response.status_code == 200
        assert 'id="dashboard-data"' in response.content.decode()

    def test_dashboard_states_the_pfs_censoring_convention_and_the_median_rule(
        self, client, admin_alex, programme, settings
    ):
        """Issue 16 item 11: the PFS convention (FDA 2018 vs EMA) is a setting, stated on the
        dashboard and in the API, as is the median rule on a plateau at 0.5."""
        from reports import services as report_services
        from reports.forms import DashboardFilterForm

        as_user(client, admin_alex)
        page = client.get(reverse("reports:dashboard")).content.decode()
        assert "PFS censoring: FDA 2018" in page and "quantile.survfit" in page
        settings.PFS_CENSORING = "ema"
        report_services.dashboard_recompute(scope=DashboardFilterForm(None).scope())
        page = client.get(reverse("reports:dashboard")).content.decode()
        assert "PFS censoring: EMA" in page
        body = client.get("/api/reports/dashboard/").json()
        assert body["pfs_censoring"] == "ema" and "EMA" in body["pfs_censoring_text"]

    @pytest.mark.parametrize("role", NO_DASHBOARD)
    def test_no_dashboard_for_nurses_coordinators_pharmacists(self, client, personas, role):
        as_user(client, personas[role])
        assert client.get(reverse("reports:dashboard")).status_code == 403
        url = reverse("reports:dashboard_csv", args=["stages"])
        assert client.get(url).status_code == 403

    def test_anonymous_is_sent_to_login(self, client):
        for name in ("reports:dashboard", "reports:exports", "reports:export_log"):
            response = client.get(reverse(name))
            assert response.status_code == 302 and response.url.startswith("/accounts/login/")


class TestDownloads:
    def test_csv_download_streams_the_rows_and_logs_them(self, client, admin_alex, programme):
        response = export(as_user(client, admin_alex), product="tisa-cel")
        assert response.status_code == 200 and response.streaming
        assert response["Content-Type"].startswith("text/csv")
        assert 'attachment; filename="courses-20260930-' in response["Content-Disposition"]
        rows = read_csv(response)
        # An administrator's export: a study code, never the MRN.
        assert [(r["study_code"][:2], r["product"], r["day0_date"]) for r in rows] == [
            ("S-", "tisa-cel", "2026-04-01")
        ]
        assert "CQ7B0001" not in str(rows)
        log = ExportLog.objects.get()
        assert (log.user, log.dataset, log.row_count, log.delivery) == (
            admin_alex,
            "courses",
            1,
            "download",
        )
        assert log.completed_at is not None

    def test_xlsx_download(self, client, auditor_cara, programme):
        response = export(as_user(client, auditor_cara), dataset="registry", file_format="xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        assert len(rows) == 3 and "crs_max_grade" in header
        first = dict(zip(header, rows[1], strict=True))
        assert (first["product"], first["crs_max_grade"], first["day0_date"]) == (
            "axi-cel",
            2,
            datetime(2026, 3, 2),  # a real date cell (openpyxl reads it as a datetime)
        )
        assert ExportLog.objects.get().row_count == 2

    def test_bad_date_range_is_refused_and_nothing_logged(self, client, admin_alex):
        response = export(as_user(client, admin_alex), date_from="2026-05-01", date_to="2026-04-01")
        assert response.status_code == 200
        assert "before its start" in response.content.decode()
        assert not ExportLog.objects.exists()

    def test_course_filter_on_the_audit_trail_is_refused(self, client, auditor_cara):
        response = export(as_user(client, auditor_cara), dataset="audit_trail", stage="infusion")
        assert response.status_code == 200
        assert "does not apply to Audit trail" in response.content.decode()
        assert not ExportLog.objects.exists()

    def test_audit_trail_download(self, client, auditor_cara, programme):
        response = export(as_user(client, auditor_cara), dataset="audit_trail")
        rows = read_csv(response)
        assert len(rows) == ExportLog.objects.get().row_count > 100
        assert rows[0].keys() >= {"changed_at", "changed_by", "change_type", "changed_fields"}

    def test_fhir_bundle_download(self, client, auditor_cara, programme):
        url = reverse("reports:fhir_bundle")
        purpose = {"purpose": "Audit of CRS grading"}
        response = as_user(client, auditor_cara).get(url, {"course": programme["a"].pk, **purpose})
        assert response.status_code == 200
        bundle = json.loads(response.content)
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
        log = ExportLog.objects.get()
        assert (log.dataset, log.filters, log.row_count) == (
            "fhir_course_bundle",
            {"course": programme["a"].pk},
            len(bundle["entry"]),
        )
        assert client.get(url, {"course": 99999, **purpose}).status_code == 404
        assert client.get(url, {"course": "x", **purpose}).status_code == 302  # form error


class TestJobs:
    def test_background_export_is_queued_on_commit(
        self, client, admin_alex, programme, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = export(as_user(client, admin_alex), delivery="background")
        job = ExportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("reports:job", args=[job.pk])
        assert len(callbacks) == 1
        assert (job.status, job.dataset, job.log.delivery) == ("queued", "courses", "background")

    def test_progress_page_polls_until_done_then_offers_the_file(
        self, client, admin_alex, programme, media
    ):
        from reports import services
        from reports.datasets import Filters

        job = services.export_job_request(
            by=admin_alex, dataset_key="assessments", file_format="csv", filters=Filters()
        )
        as_user(client, admin_alex)
        status_url = reverse("reports:job_status", args=[job.pk])
        queued = client.get(status_url).content.decode()
        assert 'hx-trigger="every 2s"' in queued and "job-download" not in queued
        assert services.export_job_run(job_id=job.pk) is True
        done = client.get(status_url).content.decode()
        assert "hx-trigger" not in done and 'data-testid="job-download"' in done
        page = client.get(reverse("reports:job", args=[job.pk]))
        assert page.status_code == 200
        download = client.get(reverse("reports:job_download", args=[job.pk]))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith('attachment; filename="assessments-')
        rows = list(
            csv.DictReader(
                io.StringIO(b"".join(download.streaming_content).decode().lstrip("\ufeff"))
            )
        )
        assert [r["crs_grade"] for r in rows] == ["2", "0", "1", "0"]

    def test_only_the_requester_reaches_a_job(
        self, client, admin_alex, auditor_cara, dr_ben, nurse_ada, programme, media
    ):
        from reports import services
        from reports.datasets import Filters

        job = services.export_job_request(
            by=admin_alex, dataset_key="patients", file_format="xlsx", filters=Filters()
        )
        services.export_job_run(job_id=job.pk)
        for name in ("reports:job", "reports:job_status", "reports:job_download"):
            url = reverse(name, args=[job.pk])
            assert as_user(client, auditor_cara).get(url).status_code == 404
            assert as_user(client, dr_ben).get(url).status_code == 404
            assert as_user(client, nurse_ada).get(url).status_code == 403
        assert (
            as_user(client, admin_alex)
            .get(reverse("reports:job_download", args=[job.pk]))
            .status_code
            == 200
        )

    def test_download_before_the_file_exists_says_so(self, client, admin_alex, programme):
        from reports import services
        from reports.datasets import Filters

        job = services.export_job_request(
            by=admin_alex, dataset_key="patients", file_format="csv", filters=Filters()
        )
        response = as_user(client, admin_alex).get(
            reverse("reports:job_download", args=[job.pk]), follow=True
        )
        assert "no file yet" in response.content.decode()


class TestDashboard:
    def test_numbers(self, client, dr_ben, programme):
        response = as_user(client, dr_ben).get(reverse("reports:dashboard"))
        data = response.context["data"]
        stages = {s["stage"]: s["count"] for s in data["stages"]}
        assert (stages["follow_up"], stages["deceased"], stages["referred"]) == (1, 1, 1)
        months = dict(zip(data["monthly"]["months"], data["monthly"]["infusions"], strict=True))
        assert (months["2026-03"], months["2026-04"], months["2026-05"]) == (1, 1, 0)
        intervals = {i["key"]: i for i in data["intervals"]}
        # A: 41 days, B: 50 days.
        assert intervals["referral_to_infusion"]["median"] == 45.5
        assert intervals["referral_to_infusion"]["n"] == 2
        assert intervals["apheresis_to_infusion"]["median"] == 26.5
        crs = {r["product"]: r for r in data["crs"]}
        assert crs["all"]["counts"] == [0, 1, 1, 0, 0]
        assert crs["axi-cel"]["counts"] == [0, 0, 1, 0, 0]
        treatments = {t["product"]: t for t in data["treatments"]}
        assert (treatments["all"]["tocilizumab"], treatments["all"]["icu"]) == (1, 1)
        assert treatments["all"]["tocilizumab_percent"] == 50.0
        response_rows = {r["product"]: r for r in data["response"]}
        assert (response_rows["all"]["orr_percent"], response_rows["all"]["cr_percent"]) == (
            50.0,
            50.0,
        )
        pfs = {c["product"]: c for c in data["pfs"]}
        # PFS months: A censored at 183 d (6.0), B event at 28 d (0.9): S = 0.5 from 0.9 m to
        # the end of the curve, so the median is the plateau's midpoint, (0.92 + 6.01) / 2,
        # as R's quantile.survfit (issue 16 item 11; it was 0.9 before).
        assert (pfs["all"]["n"], pfs["all"]["events"], pfs["all"]["median"]) == (2, 1, 3.5)
        assert pfs["all"]["at_risk"] == [2, 1, 1, 0, 0, 0]
        os_ = {c["product"]: c for c in data["os"]}
        assert os_["tisa-cel"]["median"] == 1.9 and os_["axi-cel"]["median"] is None
        body = response.content.decode()
        assert 'data-testid="table-pfs"' in body and "dashboard.js" in body
        assert "<script>" not in body

    def test_filter_by_diagnosis(self, client, auditor_cara, programme):
        response = as_user(client, auditor_cara).get(
            reverse("reports:dashboard"), {"diagnosis": "MM"}
        )
        data = response.context["data"]
        assert sum(s["count"] for s in data["stages"]) == 1
        assert data["pfs"][-1]["n"] == 0

    @pytest.mark.parametrize(
        "key",
        ["stages", "monthly", "intervals", "crs", "icans", "treatments", "response", "pfs", "os"],
    )
    def test_every_chart_has_its_csv(self, client, admin_alex, programme, key):
        response = as_user(client, admin_alex).get(reverse("reports:dashboard_csv", args=[key]))
        assert response.status_code == 200
        rows = read_csv(response)
        assert rows
        assert ExportLog.objects.get().dataset == f"dashboard:{key}"

    def test_curve_csv_and_unknown_chart(self, client, dr_ben, programme):
        as_user(client, dr_ben)
        rows = read_csv(client.get(reverse("reports:dashboard_csv", args=["os-curve"])))
        tisa = [r for r in rows if r["product"] == "tisa-cel"]
        assert [(r["time_months"], r["survival"]) for r in tisa] == [
            ("0.0", "1.0"),
            ("1.94", "0.0"),
        ]
        assert client.get(reverse("reports:dashboard_csv", args=["nope"])).status_code == 404


class TestQueryCounts:
    def test_dashboard_and_registry_read_in_a_fixed_number_of_queries(
        self, client, dr_ben, admin_alex, programme, django_assert_max_num_queries
    ):
        as_user(client, dr_ben)
        with django_assert_max_num_queries(35):  # the first view computes the figures
            assert client.get(reverse("reports:dashboard")).status_code == 200
        with django_assert_max_num_queries(12):  # later views read them
            assert client.get(reverse("reports:dashboard")).status_code == 200
        from reports import datasets
        from reports.datasets import Filters

        with django_assert_max_num_queries(4):
            rows = list(datasets.get("registry").rows(Filters()))
        assert len(rows) == 2


class TestLargeExportsGoToTheBackground:
    """A direct download over EXPORT_BACKGROUND_ABOVE_ROWS would be cut off by timeouts: it
    becomes a background job with the progress page; small ones still download at once."""

    @pytest.mark.parametrize("file_format", ["csv", "xlsx"])
    def test_above_the_threshold_a_job_is_queued(
        self, client, admin_alex, programme, settings, file_format
    ):
        settings.EXPORT_BACKGROUND_ABOVE_ROWS = 1
        response = export(as_user(client, admin_alex), file_format=file_format)
        job = ExportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("reports:job", args=[job.pk])
        assert (job.file_format, job.log.delivery) == (file_format, "background")
        page = client.get(response.url).content.decode()
        assert "too many to download at once" in page

    def test_below_the_threshold_it_downloads_now(self, client, admin_alex, programme, settings):
        settings.EXPORT_BACKGROUND_ABOVE_ROWS = 1000
        response = export(as_user(client, admin_alex))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert not ExportJob.objects.exists()
