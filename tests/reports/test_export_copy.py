"""Exports written by PostgreSQL's COPY (issue 20, item 4) are the Python writer's bytes: every
dataset, every filter it supports, identifiable (an auditor with a purpose) and pseudonymised
(an administrator), in the world of test_export_golden.py (formulas, quotes, commas, line
breaks, Chinese names, times just after local midnight, empty values). PostgreSQL only."""

import pytest
from django.db import connection
from django.test import override_settings

from reports import datasets, export_copy, services

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
