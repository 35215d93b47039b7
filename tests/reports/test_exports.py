"""Each export dataset: row counts, a sample of values, filters, the audit trail, the log."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eligibility import services as eligibility_services
from patients import services as patient_services
from reports import datasets, export_copy, services
from reports.datasets import Filters
from reports.models import ExportLog
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def table(key, filters=None):
    filters = filters or Filters()
    dataset = datasets.get(key)
    return [dict(zip(dataset.header, row, strict=True)) for row in dataset.rows(filters)]


@pytest.mark.parametrize(
    "key, expected",
    [
        ("patients", 3),
        ("courses", 3),
        # A: referral + 9 moves; B: referral + 9 moves + deceased; C: referral.
        ("stage_events", 22),
        ("screening", 0),
        ("infusions", 2),
        # Course B's calm assessment of 19 April ends its monitoring (issue 16 item 3).
        ("assessments", 4),
        ("interventions", 3),
        ("followup_visits", 5),
        ("outcomes", 2),
        ("registry", 2),
    ],
)
def test_row_counts(programme, key, expected):
    dataset = datasets.get(key)
    rows = list(dataset.rows(Filters()))
    assert len(rows) == expected == dataset.count(Filters())
    assert all(len(row) == len(dataset.header) for row in rows)


def test_every_dataset_has_units_in_its_headers():
    headers = {h for d in datasets.all_datasets() for h in d.header}
    for unit in ("weight_kg", "height_cm", "temperature_c", "systolic_bp_mmhg", "dose_mg"):
        assert unit in headers
    assert "temperature" not in headers and "weight" not in headers


def test_registry_row_of_the_responder(programme):
    row = next(r for r in table("registry") if r["course_id"] == programme["a"].pk)
    assert row == {
        **row,
        "mrn": "CQ7A0001",
        "product": "axi-cel",
        "target_antigen": "CD19",
        "age_at_infusion_years": 55,
        "referred_on": "2026-01-20",
        "apheresis_date": "2026-02-08",
        "lymphodepletion_start_date": "2026-02-25",
        "day0_date": "2026-03-02",
        "referral_to_infusion_days": 41,
        "apheresis_to_infusion_days": 22,
        "crs_max_grade": 2,
        "crs_onset_date": "2026-03-03",
        "crs_onset_day": 1,
        "icans_max_grade": 0,
        "icans_onset_date": "",
        "tocilizumab_given": "true",
        "tocilizumab_doses": 1,
        "tocilizumab_first_date": "2026-03-03",
        "corticosteroids_given": "true",
        "icu_transfer": "false",
        "best_response": "CR",
        "best_response_date": "2026-06-10",
        "pfs_days": 183,
        "pfs_event": "false",
        "os_days": 183,
        "os_event": "false",
        "vital_status": "alive",
        "data_issue": "",
    }


def test_registry_row_of_the_patient_who_died(programme):
    row = next(r for r in table("registry") if r["course_id"] == programme["b"].pk)
    assert (row["crs_max_grade"], row["icu_transfer"], row["tocilizumab_given"]) == (
        1,
        "true",
        "false",
    )
    assert (row["best_response"], row["progression_date"], row["pfs_days"]) == (
        "PD",
        "2026-04-29",
        28,
    )
    assert (row["os_days"], row["os_event"], row["death_date"], row["death_cause"]) == (
        59,
        "true",
        "2026-05-30",
        "progression",
    )
    assert (row["vital_status"], row["current_stage"]) == ("dead", "deceased")


def test_sample_values_of_the_clinical_datasets(programme):
    first = table("assessments")[0]
    assert (first["assessed_at"], first["day_number"], first["crs_grade"]) == (
        "2026-03-03T10:00:00+08:00",
        1,
        2,
    )
    assert (first["temperature_c"], first["hypotension"], first["recorded_by"]) == (
        Decimal("39.1"),
        "true",
        "ada",
    )
    toci = table("interventions")[0]
    assert (toci["kind"], toci["dose_mg"], toci["route"], toci["day_number"]) == (
        "tocilizumab",
        Decimal("560.0"),
        "IV",
        1,
    )
    infusion = table("infusions")[1]
    assert (infusion["product"], infusion["day0_date"], infusion["apheresis_stage_date"]) == (
        "tisa-cel",
        "2026-04-01",
        "2026-03-01",
    )
    visit = table("followup_visits")[1]
    assert (visit["visit_date"], visit["day_number"], visit["lugano_response"]) == (
        "2026-06-10",
        100,
        "CR",
    )
    patient = table("patients")[0]
    assert (patient["mrn"], patient["weight_kg"], patient["bsa_m2"]) == (
        "CQ7A0001",
        Decimal("70.0"),
        1.82,
    )
    outcome = table("outcomes")[1]
    assert (outcome["pfs_end_reason"], outcome["os_days"]) == ("progression", 59)


def test_screening_export_with_labs_and_prior_lines(programme, dr_ben):
    assessment = eligibility_services.screening_start(by=dr_ben, course=programme["c"])
    eligibility_services.screening_update(
        by=dr_ben,
        assessment=assessment,
        expected_version=assessment.version,
        fields={"ecog": 1, "crcl_ml_min": Decimal("72.5"), "ldh_u_l": Decimal("310")},
        prior_lines=[{"line_number": 1, "regimen": "VRd"}, {"line_number": 2, "regimen": "DPd"}],
    )
    [row] = table("screening")
    assert (row["mrn"], row["product"], row["ecog"], row["crcl_ml_min"]) == (
        "CQ7A0002",
        "cilta-cel",
        1,
        Decimal("72.5"),
    )
    assert (row["prior_lines"], row["mdt_decision"], row["assessed_on"]) == (2, "", "2026-09-30")


@pytest.mark.parametrize(
    "key, filters, expected",
    [
        ("courses", Filters(product="axi-cel"), 1),
        ("assessments", Filters(product="axi-cel"), 2),
        ("assessments", Filters(date_from=date(2026, 3, 4)), 3),
        ("assessments", Filters(date_from=date(2026, 3, 4), date_to=date(2026, 3, 31)), 1),
        ("patients", Filters(diagnosis="MM"), 1),
        ("patients", Filters(product="tisa-cel"), 1),
        ("patients", Filters(stage="referred"), 1),
        ("courses", Filters(stage="deceased"), 1),
        ("followup_visits", Filters(stage="deceased"), 2),
        ("followup_visits", Filters(date_to=date(2026, 4, 30)), 2),
        ("registry", Filters(date_from=date(2026, 4, 1)), 1),
        ("registry", Filters(diagnosis="MM"), 0),
        ("stage_events", Filters(product="cilta-cel"), 1),
        ("interventions", Filters(product="tisa-cel", diagnosis="LBCL"), 1),
    ],
)
def test_filters(programme, key, filters, expected):
    dataset = datasets.get(key)
    assert len(list(dataset.rows(filters))) == expected == dataset.count(filters)


def test_audit_trail_names_the_changed_fields(programme, dr_ben):
    patient = programme["a"].patient
    patient_services.patient_update(
        by=dr_ben,
        patient=patient,
        expected_version=patient.version,
        weight_kg=Decimal("68.0"),
        reason="Re-weighed",
    )
    rows = [
        r
        for r in table("audit_trail")
        if r["model"] == "patients.patient" and r["record_id"] == patient.pk
    ]
    assert [r["change_type"] for r in rows] == ["created", "changed"]
    assert rows[1]["changed_fields"] == "weight_kg"
    assert rows[1]["changed_by"] == "ben"
    # Only names: the new weight never appears in the audit export.
    assert "68" not in str(rows)


def test_audit_trail_counts_and_date_range(programme, frozen):
    all_rows = table("audit_trail")
    assert len(all_rows) == datasets.get("audit_trail").count(Filters()) > 100
    models = {r["model"] for r in all_rows}
    assert {"patients.treatmentcourse", "monitoring.assessment", "followup.followupvisit"} <= models
    frozen.shift(86400 * 2)
    patient = programme["b"].patient
    patient_services.patient_update(
        by=programme["a"].created_by,
        patient=patient,
        expected_version=patient.version,
        given_name="Wen",
    )
    later = Filters(date_from=date(2026, 10, 2), date_to=date(2026, 10, 2))
    rows = table("audit_trail", later)
    assert len(rows) == datasets.get("audit_trail").count(later) == 1
    assert (rows[0]["changed_fields"], rows[0]["change_type"]) == ("given_name", "changed")


def test_audit_trail_refuses_course_filters(programme, admin_alex):
    with pytest.raises(ValidationError) as error:
        services.check_export(
            by=admin_alex, dataset_key="audit_trail", filters=Filters(product="axi-cel")
        )
    assert "product" in error.value.message_dict


@pytest.mark.parametrize("role", ["nurse", "apheresis_coordinator", "pharmacist"])
def test_only_administrators_auditors_and_clinicians_export(programme, personas, role):
    with pytest.raises(PermissionDenied):
        services.export_csv_stream(by=personas[role], dataset_key="patients", filters=Filters())
    assert not ExportLog.objects.exists()


def test_a_streamed_export_is_logged_with_its_rows(programme, admin_alex):
    lines = services.export_csv_stream(
        by=admin_alex, dataset_key="courses", filters=Filters(product="axi-cel")
    )
    log = ExportLog.objects.get()
    assert (log.user, log.dataset, log.file_format, log.completed_at) == (
        admin_alex,
        "courses",
        "csv",
        None,
    )
    text = "".join(lines)
    log.refresh_from_db()
    assert log.row_count == 1 and log.completed_at is not None
    assert log.filters["product"] == "axi-cel"
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["course_id"] for r in rows] == [str(programme["a"].pk)]


def test_an_interrupted_download_keeps_the_rows_sent(programme, auditor_cara, monkeypatch):
    # The text is sent a batch of rows at a time: batches of five here.
    monkeypatch.setattr(datasets, "CHUNK_SIZE", 5)
    monkeypatch.setattr(export_copy, "CHUNK_ROWS", 5)  # PostgreSQL: a COPY per five rows
    pieces = services.export_csv_stream(
        by=auditor_cara, dataset_key="stage_events", filters=Filters()
    )
    header, first, second = next(pieces), next(pieces), next(pieces)
    pieces.close()
    assert header.startswith("\ufeffevent_id,") and header.count("\n") == 1
    assert first.count("\n") == second.count("\n") == 5
    log = ExportLog.objects.get()
    assert (log.row_count, log.completed_at) == (10, None)


def test_formula_in_a_name_is_escaped_in_the_file(programme, auditor_cara, ward_7a, dr_ben):
    PatientFactory(
        mrn="EVIL1", family_name='=HYPERLINK("http://x")', ward=ward_7a, attending_clinician=dr_ben
    )
    text = "".join(
        services.export_csv_stream(
            by=auditor_cara,
            dataset_key="patients",
            filters=Filters(),
            identifiable=True,
            purpose="Data quality review",
        )
    )
    row = next(r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if r["mrn"] == "EVIL1")
    assert row["family_name"] == '\'=HYPERLINK("http://x")'


def test_unknown_dataset(admin_alex):
    with pytest.raises(ValidationError):
        services.check_export(by=admin_alex, dataset_key="nope", filters=Filters())


def test_registering_a_dataset_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        datasets.register(datasets.get("patients"))
