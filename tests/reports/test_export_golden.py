"""Every dataset's export, byte for byte, against a reference kept here: the rows read the way
the exports read them before they fetched `.values_list()` rows, i.e. model instances with
the base queryset's joins, each column's attribute path walked per object, every cell through
writers.cell_value and one csv line per row.

The world is the demo (`seed_demo`) plus the small programme of conftest.py, with the values
that are easy to get wrong pushed in: formulas in text, times just after local midnight (the
day number counts local days), empty optional values, commas, quotes and line breaks.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from core import system_text
from followup.models import FollowUpVisit
from monitoring.models import Assessment, Intervention
from patients import rules as patient_rules
from patients.models import Patient, StageEvent, TreatmentCourse
from reports import datasets, services
from reports.datasets import Filters
from reports.writers import cell_value, escape_text, write_csv, write_xlsx, xlsx_value

from .conftest import CQ

pytestmark = pytest.mark.django_db

FILTERS = [
    Filters(),
    Filters(product="axi-cel"),
    Filters(diagnosis="LBCL"),
    Filters(stage="follow_up"),
    Filters(date_from=date(2026, 3, 3), date_to=date(2026, 6, 30)),
    Filters(date_from=date(2026, 9, 1), product="cilta-cel", diagnosis="MM", stage="referred"),
]


def _walk(obj, path: str):
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def _attribute(lookup: str):
    path = lookup.replace("__", ".")
    return lambda obj: _walk(obj, path)


def _local_day(value):
    if value is None:
        return None
    return timezone.localtime(value).date() if hasattr(value, "hour") else value


def _day_number(date_path: str):
    def get(row):
        day0 = row.course.day0_reference
        on = _local_day(_walk(row, date_path))
        if day0 is None or on is None:
            return None
        return patient_rules.day_number(day0=day0, on=on)

    return get


# Columns computed in Python: how each was read from the model instance.
COMPUTED = {
    ("patients", "bsa_m2"): lambda patient: round(patient.body_surface_area_m2, 2),
    ("stage_events", "day_number"): _day_number("effective_date"),
    # The system's words (a code since issue 17) in English, then the person's.
    ("stage_events", "reason"): lambda event: " ".join(
        p for p in (system_text.english(event.reason_text), event.reason) if p
    ),
    ("assessments", "day_number"): _day_number("assessed_at"),
    ("interventions", "day_number"): _day_number("given_at"),
    ("followup_visits", "day_number"): _day_number("visit_date"),
}


def reference_rows(dataset, filters, value=cell_value):
    """Cell values as the per-instance exports produced them (value=xlsx_value: a workbook's
    typed cells)."""
    if dataset.custom_rows:
        raw_rows = dataset.custom_rows(filters)
    elif dataset.row_builder:
        raw_rows = (dataset.row_builder(o) for o in dataset.queryset(filters))
    else:
        getters = [
            COMPUTED.get((dataset.key, c.header)) or _attribute(c.lookups[0])
            for c in dataset.columns
        ]
        raw_rows = ([get(obj) for get in getters] for obj in dataset.queryset(filters))
    tz = timezone.get_current_timezone()
    for raw in raw_rows:
        yield [value(v, tz=tz) for v in raw]


def reference_csv(dataset, filters) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    text.write("\ufeff")
    writer.writerow([escape_text(h) for h in dataset.header])
    for row in reference_rows(dataset, filters):
        writer.writerow(row)
    return text.getvalue()


def _set(rows, **values):
    """Change rows behind their services' backs (the values no form would take), each saved
    on its own so that the audit trail records it."""
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=list(values))


@pytest.fixture
def world(programme, admin_alex, media):
    """The demo world and the programme, with awkward values in every kind of column."""
    call_command("seed_demo", verbosity=0)
    a, b, c = programme["a"], programme["b"], programme["c"]
    _set(
        Patient.objects.filter(pk=a.patient_id),
        family_name='=HYPERLINK("http://x","y")',
        given_name="-2+3",
    )
    _set(Patient.objects.filter(pk=b.patient_id), family_name='赵, "Wei"\nZhao', given_name="@")
    _set(
        StageEvent.objects.filter(course=a, to_stage="infusion"),
        reason="+86 138 0000\r\nsecond line, with a comma",
    )
    # The whole reason a person's (no system text since issue 17), as before.
    _set(StageEvent.objects.filter(course=c), reason="\tcmd", reason_text=None)
    # Course C has a planned Day 0 only: its day numbers count from that.
    _set(TreatmentCourse.objects.filter(pk=c.pk), planned_day0_date=date(2026, 9, 20))
    first, second = Assessment.objects.filter(course=a).order_by("pk")[:2]
    # 00:30 in Chongqing is 16:30 UTC the day before: the day number is the local one.
    _set(
        Assessment.objects.filter(pk=first.pk),
        assessed_at=datetime(2026, 3, 3, 0, 30, tzinfo=CQ),
        crs_reason="=1+1",
        vasopressors=["norepinephrine", "vasopressin"],
        oxygen_flow_l_min=Decimal("2.5"),
        icans_grade=None,
    )
    _set(
        Assessment.objects.filter(pk=second.pk),
        assessed_at=datetime(2026, 3, 4, 23, 59, 59, tzinfo=CQ),
        icans_reason="-",
    )
    _set(
        Intervention.objects.filter(course=b),
        given_at=datetime(2026, 4, 2, 0, 5, tzinfo=CQ),
        drug="@SUM(A1:A2)",
    )
    _set(
        FollowUpVisit.objects.filter(course=b, death_date__isnull=False),
        # A line break in a dataset COPY writes (the stage timeline's, which had one, is
        # written by Python since its reason is a system text said in English).
        death_cause='progression\r\n"PD"',
    )
    return programme


def test_every_computed_column_has_a_reference():
    computed = {
        (d.key, c.header)
        for d in datasets.all_datasets()
        if not (d.custom_rows or d.row_builder)
        for c in d.columns
        if c.compute is not None
    }
    assert computed == set(COMPUTED)


IDENTIFIABLE = {"identifiable": True, "purpose": "Golden test of every export"}


def test_every_export_is_the_reference_byte_for_byte(world, auditor_cara):
    """Every dataset, under filters of every kind it supports: the streamed CSV (identifiable,
    as an auditor with a purpose), the cell values and the typed values XLSX files are written
    from are the reference's."""
    compared = []
    for dataset in datasets.all_datasets():
        assert dataset.count(Filters()) > 0, f"{dataset.key}: the world has no rows for it"
        for filters in FILTERS:
            if dataset.unsupported(filters):
                continue
            stream = services.export_csv_stream(
                by=auditor_cara, dataset_key=dataset.key, filters=filters, **IDENTIFIABLE
            )
            assert "".join(stream) == reference_csv(dataset, filters), (dataset.key, filters)
            rows = list(dataset.rows(filters))
            assert rows == list(reference_rows(dataset, filters)), (dataset.key, filters)
            typed = list(dataset.rows(filters, typed=True))
            reference = reference_rows(dataset, filters, value=xlsx_value)
            assert typed == list(reference), (dataset.key, filters)
            compared.append((dataset.key, len(rows)))
    assert {key for key, _ in compared} == {d.key for d in datasets.all_datasets()}
    assert sum(n for _, n in compared) > 1000


def test_every_pseudonymised_export_is_the_reference_reshaped(world, admin_alex):
    """An administrator's export is the same reference, with the MRN as a study code and the
    identifying columns left out, and no MRN, name or birth date anywhere in the file."""
    from reports import pseudonymise
    from reports.export_checks import study_code_key

    key = study_code_key()
    identities = list(Patient.objects.values_list("mrn", "family_name", "date_of_birth"))
    for dataset in datasets.all_datasets():
        plan = pseudonymise.plan(dataset.header, key=key)
        text = io.StringIO()
        writer = csv.writer(text)
        text.write("\ufeff")
        writer.writerow([escape_text(h) for h in plan.header])
        for row in reference_rows(dataset, Filters()):
            writer.writerow(plan.row(row))
        stream = services.export_csv_stream(
            by=admin_alex, dataset_key=dataset.key, filters=Filters()
        )
        got = "".join(stream)
        assert got == text.getvalue(), dataset.key
        cells = {cell for row in csv.reader(io.StringIO(got)) for cell in row}
        for mrn, family_name, born in identities:
            assert not {mrn, escape_text(family_name), born.isoformat()} & cells, dataset.key


def test_awkward_values_files_and_workbooks(world, auditor_cara, tmp_path):
    dataset = datasets.get("assessments")
    text = "".join(
        services.export_csv_stream(
            by=auditor_cara, dataset_key="assessments", filters=Filters(), **IDENTIFIABLE
        )
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    midnight = next(r for r in rows if r["crs_reason"] == "'=1+1")
    # Day 0 is 2 March: 00:30 on 3 March in Chongqing is Day 1, though still 2 March in UTC.
    assert (midnight["assessed_at"], midnight["day_number"]) == ("2026-03-03T00:30:00+08:00", "1")
    assert midnight["vasopressors"] == "norepinephrine; vasopressin"
    assert (midnight["icans_grade"], midnight["oxygen_flow_l_min"]) == ("", "2.5")
    late = next(r for r in rows if r["icans_reason"] == "'-")
    assert (late["assessed_at"], late["day_number"]) == ("2026-03-04T23:59:59+08:00", "2")

    # A background job's file is the same text.
    path = tmp_path / "assessments.csv"
    write_csv(path, dataset.header, dataset.rows(Filters()))
    assert path.read_bytes().decode("utf-8") == text == reference_csv(dataset, Filters())

    # A workbook gets the same rows as typed cells: formula-like text stays text without an
    # apostrophe, the local time of the assessment is a real datetime, numbers are numbers.
    path = tmp_path / "assessments.xlsx"
    write_xlsx(path, dataset.header, dataset.rows(Filters(), typed=True), title=dataset.key)
    sheet = load_workbook(path).active
    cells = [dict(zip(dataset.header, r, strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert len(cells) == len(rows)
    [formula] = [r for r in cells if r["crs_reason"].value == "=1+1"]
    assert (formula["crs_reason"].data_type, formula["crs_reason"].quotePrefix) == ("s", True)
    assert formula["assessed_at"].value == datetime(2026, 3, 3, 0, 30)
    assert formula["assessed_at"].data_type == "d"
    assert (formula["day_number"].value, formula["oxygen_flow_l_min"].value) == (1, 2.5)
    assert formula["vasopressors"].value == "norepinephrine; vasopressin"
    assert formula["icans_grade"].value is None
    assert not [
        c.value
        for r in cells
        for c in r.values()
        if isinstance(c.value, str) and c.value[:1] == "'"
    ]

    # Course C has only a planned Day 0 (20 September): its referral on 1 September is Day -19.
    stage_events = datasets.get("stage_events")
    [referral] = [
        dict(zip(stage_events.header, row, strict=True))
        for row in stage_events.rows(Filters())
        if row[1] == world["c"].pk
    ]
    assert (referral["effective_date"], referral["day_number"], referral["reason"]) == (
        "2026-09-01",
        -19,
        "'\tcmd",
    )
