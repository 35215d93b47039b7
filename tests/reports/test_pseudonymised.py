"""Issue 14, item 4: administrators see no charts through exports.

An administrator's export is pseudonymised on every path (page, API, background job, XLSX):
a study code for the MRN, no names, the birth year only, no typed free text. Identifiable
exports need the auditor or clinician role and a stated purpose, logged. FHIR bundles are
charts: refused to administrators."""

import csv
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook
from rest_framework.test import APIClient

from core.roles import Role
from reports import datasets, pseudonymise, services
from reports.datasets import Filters
from reports.models import ExportJob, ExportLog, JobStatus

pytestmark = pytest.mark.django_db

PURPOSE = "CIBMTR registry submission 2026"
# What must never reach an administrator: Mrs Liu's and Mr Zhao's identities.
IDENTIFYING = ["CQ7A0001", "CQ7B0001", "Liu", "Fang", "Zhao", "1970-05-17"]


@pytest.fixture
def api():
    return APIClient()


def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def _assert_pseudonymised(text: str) -> None:
    for value in IDENTIFYING:
        assert value not in text, value


def _code(mrn: str) -> str:
    return pseudonymise.study_code(mrn, key=settings.STUDY_CODE_KEY.encode())


# --- The rules --------------------------------------------------------------------------------


def test_study_code_is_stable_keyed_and_not_the_mrn():
    key = b"k" * 32
    assert pseudonymise.study_code("CQ7A0001", key=key) == pseudonymise.study_code(
        "cq7a0001 ", key=key
    )
    assert pseudonymise.study_code("CQ7A0001", key=key) != pseudonymise.study_code(
        "CQ7A0002", key=key
    )
    assert pseudonymise.study_code("CQ7A0001", key=key) != pseudonymise.study_code(
        "CQ7A0001", key=b"other"
    )
    assert pseudonymise.study_code("CQ7A0001", key=key).startswith("S-")
    assert pseudonymise.study_code("", key=key) == ""


@pytest.mark.parametrize(
    "age, band", [(0, "0-4"), (17, "15-19"), (62, "60-64"), (89, "85-89"), (90, "90+"), ("", "")]
)
def test_age_band(age, band):
    assert pseudonymise.age_band(age) == band


def test_unclassified_column_is_dropped():
    plan = pseudonymise.plan(["mrn", "family_name", "secret_note", "weight_kg"], key=b"k")
    assert plan.header == ["study_code", "weight_kg"]
    assert plan.row(["CQ1", "Liu", "call 138", 60]) == [
        pseudonymise.study_code("CQ1", key=b"k"),
        60,
    ]


def test_every_exported_column_is_classified():
    """A new column must be classified in reports/pseudonymise.py before it ships."""
    unclassified = {
        (d.key, h)
        for d in datasets.all_datasets()
        for h in d.header
        if not pseudonymise.classified(h)
    }
    assert not unclassified


# --- Administrator: pseudonymised on every path --------------------------------------------


def test_admin_api_export_is_pseudonymised(api, admin_alex, programme):
    api.force_authenticate(admin_alex)
    response = api.get("/api/reports/exports/patients.csv")
    assert response.status_code == 200
    text = _body(response)
    _assert_pseudonymised(text)
    rows = _csv_rows(text)
    assert {r["study_code"] for r in rows} >= {_code("CQ7A0001"), _code("CQ7B0001")}
    assert {r["birth_year"] for r in rows} == {"1970"}
    assert "family_name" not in rows[0] and "mrn" not in rows[0]
    log = ExportLog.objects.get()
    assert (log.identifiable, log.user) == (False, admin_alex)


def test_admin_stage_reasons_are_left_out(api, admin_alex, programme):
    from patients.models import StageEvent

    event = StageEvent.objects.filter(course=programme["a"]).first()
    event.reason = "Mrs Liu, call her daughter on 138 0000 0000"
    event.save(update_fields=["reason"])
    api.force_authenticate(admin_alex)
    text = _body(api.get("/api/reports/exports/stage_events.csv"))
    assert "138 0000" not in text and "reason" not in _csv_rows(text)[0]


def test_study_code_links_datasets(api, admin_alex, programme):
    api.force_authenticate(admin_alex)
    courses = _csv_rows(_body(api.get("/api/reports/exports/courses.csv")))
    registry = _csv_rows(_body(api.get("/api/reports/exports/registry.csv")))
    a = programme["a"].pk
    assert {r["study_code"] for r in courses if r["course_id"] == str(a)} == {_code("CQ7A0001")}
    [row] = [r for r in registry if r["course_id"] == str(a)]
    assert row["study_code"] == _code("CQ7A0001")
    assert row["birth_year"] == "1970" and row["age_band_at_infusion"] == "55-59"


def test_admin_page_export_is_pseudonymised_and_cannot_choose_identifiable(
    client, admin_alex, programme
):
    client.force_login(admin_alex)
    page = client.get("/reports/exports/").content.decode()
    assert 'value="identifiable"' not in page
    assert 'data-testid="fhir-form"' not in page
    response = client.post(
        "/reports/exports/",
        {
            "dataset": "patients",
            "identity": "pseudonymised",
            "file_format": "csv",
            "delivery": "download",
        },
    )
    assert response.status_code == 200
    _assert_pseudonymised(_body(response))
    refused = client.post(
        "/reports/exports/",
        {
            "dataset": "patients",
            "identity": "identifiable",
            "purpose": PURPOSE,
            "file_format": "csv",
            "delivery": "download",
        },
    )
    assert refused.status_code == 200 and "identity" in refused.context["form"].errors
    assert ExportLog.objects.count() == 1


def test_admin_xlsx_download_is_pseudonymised(admin_alex, programme):
    handle = services.export_xlsx_file(by=admin_alex, dataset_key="patients", filters=Filters())
    cells = list(load_workbook(handle).active.iter_rows(values_only=True))
    _assert_pseudonymised(repr(cells))
    assert cells[0][:2] == ("patient_id", "study_code")


def test_admin_background_job_is_pseudonymised(
    api, admin_alex, programme, media, django_capture_on_commit_callbacks
):
    api.force_authenticate(admin_alex)
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post(
            "/api/reports/export-jobs/",
            {"dataset": "registry", "file_format": "csv"},
            format="json",
        )
    assert created.status_code == 201 and created.json()["identifiable"] is False
    services.export_job_run(job_id=created.json()["id"])
    job = ExportJob.objects.get()
    text = (media / services.job_file(job)).read_text(encoding="utf-8")
    _assert_pseudonymised(text)
    assert _code("CQ7A0001") in text


def test_admin_is_refused_identifiable_exports_everywhere(api, admin_alex, programme):
    api.force_authenticate(admin_alex)
    identifiable = {"identifiable": "true", "purpose": PURPOSE}
    assert api.get("/api/reports/exports/patients.csv", identifiable).status_code == 403
    job = api.post(
        "/api/reports/export-jobs/",
        {"dataset": "patients", "identifiable": True, "purpose": PURPOSE},
        format="json",
    )
    assert job.status_code == 403
    with pytest.raises(PermissionDenied):
        services.export_csv_stream(
            by=admin_alex,
            dataset_key="patients",
            filters=Filters(),
            identifiable=True,
            purpose=PURPOSE,
        )
    assert not ExportLog.objects.exists() and not ExportJob.objects.exists()


def test_admin_is_refused_fhir_bundles(api, client, admin_alex, programme):
    pk = programme["a"].pk
    api.force_authenticate(admin_alex)
    assert api.get(f"/api/reports/fhir/courses/{pk}/", {"purpose": PURPOSE}).status_code == 403
    client.force_login(admin_alex)
    response = client.get("/reports/exports/fhir/", {"course": pk, "purpose": PURPOSE})
    assert response.status_code == 403
    assert not ExportLog.objects.exists()


# --- Identifiable: auditor or clinician, with a purpose, logged ----------------------------


@pytest.mark.parametrize("persona", ["auditor", "clinician"])
def test_identifiable_export_needs_a_purpose(api, personas, programme, persona):
    api.force_authenticate(personas[persona])
    no_purpose = api.get("/api/reports/exports/patients.csv", {"identifiable": "true"})
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.json()
    assert not ExportLog.objects.exists()
    response = api.get(
        "/api/reports/exports/patients.csv", {"identifiable": "true", "purpose": PURPOSE}
    )
    assert response.status_code == 200
    text = _body(response)
    assert "CQ7A0001" in text and "Liu" in text
    # Byte for byte the dataset's own rows (the golden tests check those against a reference).
    dataset = datasets.get("patients")
    assert [list(r.values()) for r in _csv_rows(text)] == [
        [str(c) for c in row] for row in dataset.rows(Filters())
    ]
    log = ExportLog.objects.get()
    assert (log.identifiable, log.purpose, log.user) == (True, PURPOSE, personas[persona])


def test_identifiable_job_needs_a_purpose_and_keeps_it(
    api, auditor_cara, programme, media, django_capture_on_commit_callbacks
):
    api.force_authenticate(auditor_cara)
    bad = api.post(
        "/api/reports/export-jobs/", {"dataset": "patients", "identifiable": True}, format="json"
    )
    assert bad.status_code == 400 and "purpose" in bad.json()
    with django_capture_on_commit_callbacks(execute=False):
        created = api.post(
            "/api/reports/export-jobs/",
            {"dataset": "patients", "identifiable": True, "purpose": PURPOSE},
            format="json",
        )
    assert created.status_code == 201
    job = ExportJob.objects.get()
    assert (job.identifiable, job.purpose, job.log.purpose) == (True, PURPOSE, PURPOSE)
    services.export_job_run(job_id=job.pk)
    stored = media / services.job_file(ExportJob.objects.get())
    assert "CQ7A0001" in stored.read_text(encoding="utf-8")


def test_job_stops_when_the_role_was_lost_before_it_ran(
    auditor_cara, programme, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job = services.export_job_request(
            by=auditor_cara,
            dataset_key="patients",
            file_format="csv",
            filters=Filters(),
            identifiable=True,
            purpose=PURPOSE,
        )
    auditor_cara.groups.remove(Group.objects.get(name=Role.AUDITOR))
    services.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file_path


def test_page_identifiable_export_needs_a_purpose(client, auditor_cara, programme):
    client.force_login(auditor_cara)
    form = {"dataset": "patients", "identity": "identifiable", "file_format": "csv"}
    form["delivery"] = "download"
    missing = client.post("/reports/exports/", form)
    assert missing.status_code == 200 and "purpose" in missing.context["form"].errors
    assert not ExportLog.objects.exists()
    response = client.post("/reports/exports/", {**form, "purpose": PURPOSE})
    assert "CQ7A0001" in _body(response)
    assert ExportLog.objects.get().purpose == PURPOSE
    log_page = client.get("/reports/exports/log/").content.decode()
    assert PURPOSE in log_page


def test_fhir_bundle_needs_a_purpose_and_logs_it(api, client, dr_ben, programme):
    pk = programme["b"].pk
    api.force_authenticate(dr_ben)
    assert api.get(f"/api/reports/fhir/courses/{pk}/").status_code == 400
    response = api.get(f"/api/reports/fhir/courses/{pk}/", {"purpose": PURPOSE})
    assert response.status_code == 200 and response.json()["resourceType"] == "Bundle"
    client.force_login(dr_ben)
    page = client.get("/reports/exports/fhir/", {"course": pk})
    assert page.status_code == 302  # back to the export centre, with the reason
    assert (
        client.get("/reports/exports/fhir/", {"course": pk, "purpose": PURPOSE}).status_code == 200
    )
    logs = list(ExportLog.objects.filter(dataset="fhir_course_bundle"))
    assert [(log.identifiable, log.purpose) for log in logs] == [(True, PURPOSE)] * 2


def test_export_log_is_for_administrators_and_auditors(api, client, dr_ben, admin_alex):
    api.force_authenticate(dr_ben)
    assert api.get("/api/reports/export-log/").status_code == 403
    client.force_login(dr_ben)
    assert client.get("/reports/exports/log/").status_code == 403
    api.force_authenticate(admin_alex)
    assert api.get("/api/reports/export-log/").status_code == 200
