"""Benchmark: a streamed CSV export keeps memory flat whatever the number of rows.

Run from the project folder:

    .venv/bin/python bench/export_memory.py            # 50,000 assessment rows
    .venv/bin/python bench/export_memory.py --rows 100000

It builds a throwaway SQLite database in a temporary folder (set BENCH_DATABASE_URL to use
PostgreSQL instead, e.g. postgres://postgres@127.0.0.1:5432/cart_reports_bench — the
database is migrated and filled, so use a scratch one), fills it with one course and N
toxicity assessments, then streams the "assessments" export twice, over a tenth of the
rows and over all of them, and compares the peak Python memory of each (tracemalloc).
A list of all rows, as a non-streaming export would build, is measured for contrast.

Exit status 1 when the peak over all the rows exceeds the peak over a tenth of them by more
than 50%: memory grew with the rows. Not a timed test; the times printed are for interest.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    # DEBUG off: with DEBUG on Django keeps every query in memory.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cart_workflow.settings")
    import django

    django.setup()


def fill(rows: int):
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone

    from catalogue.models import CarTProduct
    from core.models import User, Ward
    from core.roles import Role
    from monitoring.models import Assessment
    from patients.models import Patient, TreatmentCourse

    call_command("migrate", verbosity=0)
    ward, _ = Ward.objects.get_or_create(code="bench", defaults={"name": "Bench ward"})
    clinician, _ = User.objects.get_or_create(username="bench-clinician")
    admin, _ = User.objects.get_or_create(username="bench-admin")
    admin.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    # A new patient each run, so a reused BENCH_DATABASE_URL never mixes runs.
    patient, _ = Patient.objects.get_or_create(
        mrn=f"BENCH{secrets.token_hex(4)}",
        defaults=dict(
            family_name="Bench",
            given_name="Mark",
            date_of_birth=date(1970, 1, 1),
            sex="F",
            weight_kg=Decimal("70"),
            height_cm=Decimal("170"),
            diagnosis="LBCL",
            ward=ward,
            attending_clinician=clinician,
        ),
    )
    course, _ = TreatmentCourse.objects.get_or_create(
        patient=patient,
        defaults=dict(
            product=CarTProduct.objects.get(code="axi-cel"),
            referred_on=date(2020, 1, 1),
            day0_date=date(2020, 3, 1),
            stage="monitoring",
            created_by=clinician,
        ),
    )
    start = timezone.make_aware(datetime(2020, 3, 1, 8, 0))
    batch = []
    for i in range(rows):
        batch.append(
            Assessment(
                course=course,
                assessed_at=start + timedelta(minutes=30 * i),
                recorded_by=clinician,
                temperature_c=Decimal("37.0") + Decimal(i % 30) / 10,
                heart_rate_bpm=80,
                systolic_bp_mmhg=120,
                diastolic_bp_mmhg=75,
                spo2_percent=97,
                respiratory_rate_per_min=16,
                crs_grade=i % 3,
                crs_reason="=benchmark text that must be escaped, " + "x" * 60,
                notes="",
            )
        )
        if len(batch) == 5000:
            Assessment.objects.bulk_create(batch)
            batch = []
    Assessment.objects.bulk_create(batch)
    return admin, start


def stream_peak(admin, filters) -> tuple[int, int, float]:
    from reports import services

    tracemalloc.start()
    began = time.perf_counter()
    lines = 0
    size = 0
    stream = services.export_csv_stream(by=admin, dataset_key="assessments", filters=filters)
    for chunk in stream:
        lines += chunk.count("\n")  # the stream yields batches of rows
        size += len(chunk)
    elapsed = time.perf_counter() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines - 1, peak, elapsed


def list_peak(filters) -> int:
    from reports import datasets

    tracemalloc.start()
    rows = list(datasets.get("assessments").rows(filters))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del rows
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        setup_django(url)
        print(f"database: {url.split('@')[-1]}; filling {args.rows} assessments…", flush=True)
        admin, start = fill(args.rows)

        from django.utils import timezone

        from reports.datasets import Filters

        tenth_days = max(1, args.rows // 10 // 48)  # 48 assessments a day
        day0 = timezone.localtime(start).date()
        small = Filters(date_to=day0 + timedelta(days=tenth_days - 1))
        everything = Filters()

        small_rows, small_peak, small_time = stream_peak(admin, small)
        all_rows, all_peak, all_time = stream_peak(admin, everything)
        materialised = list_peak(everything)
        mib = 1024 * 1024
        print(
            f"streamed {small_rows:>7} rows: peak {small_peak / mib:6.2f} MiB, {small_time:5.1f} s"
        )
        print(f"streamed {all_rows:>7} rows: peak {all_peak / mib:6.2f} MiB, {all_time:5.1f} s")
        print(f"list of  {all_rows:>7} rows: peak {materialised / mib:6.2f} MiB (no streaming)")
        ratio = all_peak / small_peak
        print(f"peak ratio all/tenth: {ratio:.2f} (flat if ≤ 1.5)")
        from monitoring.models import Assessment

        expected = Assessment.objects.count()
        if all_rows != expected or all_rows < args.rows:
            print(f"FAIL: exported {all_rows} rows, expected {expected}")
            return 1
        if ratio > 1.5:
            print("FAIL: memory grew with the number of rows")
            return 1
        print("OK: memory is flat")
        return 0


if __name__ == "__main__":
    sys.exit(main())
