"""Exports written by PostgreSQL's COPY (issue 20, item 4) are the Python writer's bytes: every
dataset, every filter it supports, identifiable (an auditor with a purpose) and pseudonymised
(an administrator), in the world of test_export_golden.py (formulas, quotes, commas, line
breaks, Chinese names, times just after local midnight, empty values). PostgreSQL only."""

import pytest
from django.db import connection
from django.test import override_settings

from monitoring.models import Assessment
from reports import datasets, export_copy, services
from reports.export_checks import Shape
from reports.services import exports

from .test_export_golden import FILTERS, IDENTIFIABLE, world  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's (SQLite: Python writer)"
    ),
]

# Written by Python whatever the database: computed per course or per history row, from a
# rounded float (the BSA), or from a system text said in English (the stage timeline's reason).
PYTHON_ONLY = {"outcomes", "registry", "audit_trail", "patients", "stage_events"}


def _export(user, key, filters, *, copy, **mode):
    with override_settings(EXPORT_CSV_COPY=copy):
        return "".join(
            services.export_csv_stream(by=user, dataset_key=key, filters=filters, **mode)
        )


def test_copy_writes_the_python_writers_bytes(world, auditor_cara, admin_alex, monkeypatch):  # noqa: F811
    # Small key ranges: several COPYs per export, some with a line break inside a cell.
    monkeypatch.setattr(export_copy, "CHUNK_ROWS", 7)
    seen = {"copies": 0, "quoted_batches": 0, "study_codes": 0}
    copy, crlf = export_copy.CopyExport._copy, export_copy._crlf

    def counted_copy(self, qs):
        seen["copies"] += 1
        seen["study_codes"] += self.plan.study_code_of is not None
        return copy(self, qs)

    def counted_crlf(parts):
        seen["quoted_batches"] += b"".join(parts).count(b"\n") != len(parts)
        return crlf(parts)

    monkeypatch.setattr(export_copy.CopyExport, "_copy", counted_copy)
    monkeypatch.setattr(export_copy, "_crlf", counted_crlf)
    by_copy, compared = set(), 0
    for dataset in datasets.all_datasets():
        for filters in FILTERS:
            if dataset.unsupported(filters):
                continue
            for user, mode in ((auditor_cara, IDENTIFIABLE), (admin_alex, {})):
                python = _export(user, dataset.key, filters, copy=False, **mode)
                copied = _export(user, dataset.key, filters, copy=True, **mode)
                assert copied == python, (dataset.key, filters, bool(mode))
                compared += python.count("\n")
            plan = export_copy.CopyExport(dataset, filters)
            if plan.available:
                by_copy.add(dataset.key)
    assert by_copy == {d.key for d in datasets.all_datasets()} - PYTHON_ONLY
    assert compared > 1000
    assert seen["copies"] > 100 and seen["study_codes"] > 50 and seen["quoted_batches"] > 0, seen


def test_the_study_codes_are_computed_once_per_mrn_of_a_range(world, admin_alex):  # noqa: F811
    # The code (two SHA-256) is a lateral subquery of the row's MRN, cached by MRN (Memoize):
    # computed per row, it cost more than the rest of the row.
    shape = Shape(datasets.get("assessments"), identifiable=False)
    copy = export_copy.CopyExport(
        shape.dataset, datasets.Filters(), steps=shape.plan.steps, key=b"k"
    )
    assert copy.available and copy.plan.study_code_of is not None
    with connection.cursor() as wrapper:
        sql = copy._copy_sql(copy.qs, wrapper.cursor)
        select = sql.removeprefix("COPY (").removesuffix(") TO STDOUT WITH (FORMAT csv)")
        for name in ("cart.study_code_inner", "cart.study_code_outer"):
            wrapper.execute("SELECT set_config(%s, '00', false)", [name])
        # The planner caches by MRN when its statistics show patients with many rows (as a
        # database whose tables autovacuum analyses does): the test's tables are new.
        wrapper.execute("ANALYZE monitoring_assessment, patients_treatmentcourse, patients_patient")
        wrapper.execute("EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) " + select)
        plan = [line for (line,) in wrapper.fetchall()]
    # The code's subquery (a Result) runs once per cache miss, under a Memoize keyed by MRN.
    key = next(i for i, line in enumerate(plan) if "Cache Key:" in line and ".mrn" in line)
    misses = int(plan[key + 2].split("Misses:")[1].split()[0])
    computed = next(line for line in plan[key:] if "->  Result" in line)
    assert f"loops={misses})" in computed, plan
    assert "sha256" in plan[plan.index(computed) + 1], plan
    assert 0 < misses < Assessment.objects.count() / 2, plan


@pytest.mark.parametrize(
    ("key", "identifiable"),
    # stage_events has no SQL form since its reason column is rendered from system texts
    # (PYTHON_ONLY): its job is written by the Python writer, with the same bytes.
    [("assessments", False), ("assessments", True), ("stage_events", False)],
)
def test_a_background_csv_job_writes_the_downloads_bytes_by_copy(
    world,  # noqa: F811
    auditor_cara,
    admin_alex,
    media,
    monkeypatch,
    key,
    identifiable,
):
    # Key ranges of 7 rows: several COPYs per job, progress after each full range.
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 7)
    copies = []
    copy = export_copy.CopyExport._copy
    monkeypatch.setattr(
        export_copy.CopyExport, "_copy", lambda self, qs: copies.append(1) or copy(self, qs)
    )
    user, mode = (auditor_cara, IDENTIFIABLE) if identifiable else (admin_alex, {})
    job = services.export_job_request(
        by=user, dataset_key=key, file_format="csv", filters=datasets.Filters(), **mode
    )
    assert services.export_job_run(job_id=job.pk) is True
    job.refresh_from_db()
    written = (media / services.job_file(job)).read_bytes()
    assert len(copies) > 3 if key not in PYTHON_ONLY else copies == []
    with override_settings(EXPORT_CSV_COPY=False):
        python = b"".join(
            services.export_csv_stream(
                by=user, dataset_key=key, filters=datasets.Filters(), as_bytes=True, **mode
            )
        )
    download = b"".join(
        services.export_csv_stream(
            by=user, dataset_key=key, filters=datasets.Filters(), as_bytes=True, **mode
        )
    )
    assert written == download == python
    assert job.status == "done" and job.row_count == job.total_rows > 14
