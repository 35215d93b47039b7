"""Issue 20's targets of the reports app, measured side by side in one run on the bench
database already filled with n courses (bench/run.py calls measure_report_targets):

- item 4, exports through COPY: the assessments export as an administrator gets it
  (pseudonymised, CSV, download now) through the export page and outside it (the service's
  stream read to the end), against PostgreSQL's `COPY (<the export's own query>) TO STDOUT
  WITH CSV`; the Python writer's path (EXPORT_CSV_COPY off, the path before item 4) through
  the same page in the same run, with a check that both sent the same bytes; Python CPU per
  row (time.process_time of the stream outside the page).
- item 5, the dashboard's recompute: the full recompute (every course's history, the job
  before item 5: selectors.dashboard_data_full, then stored) against the recompute from the
  per-course figures after writes to WRITES_BETWEEN_RECOMPUTES courses (the beat job's
  steady state), medians of RUNS runs each, and the figures compared for equality.
"""

from __future__ import annotations

import hashlib
import statistics
import time

# Courses written to between two recomputes (five minutes of a busy programme).
WRITES_BETWEEN_RECOMPUTES = 20
RUNS = 3
EXPORT_OF_COPY_VIEW = 0.30
EXPORT_OF_COPY_OUTSIDE = 0.50
EXPORT_CPU_US_PER_ROW = 2.0
RECOMPUTE_RATIO = 0.25


def measure_report_targets(*, n_courses: int) -> list[dict]:
    return [*_export_targets(n_courses), *_dashboard_targets(n_courses)]


# --- item 4 ------------------------------------------------------------------------------


def _administrator():
    from bench.measure import _login
    from core.models import User
    from core.roles import Role

    user = next(u for u in User.objects.filter(is_active=True) if u.has_role(Role.ADMINISTRATOR))
    return user, _login(user.username)


def _copy_floor() -> tuple[float, int]:
    """PostgreSQL's COPY of the export's own query (exactly its columns): seconds, rows."""
    from django.db import connection

    from bench.measure import _CountingSink
    from reports import datasets

    qs = datasets.get("assessments").row_query(datasets.Filters())
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        inline = cursor.mogrify(sql, params).decode()
        sink = _CountingSink()
        started = time.perf_counter()
        cursor.copy_expert(f"COPY ({inline}) TO STDOUT WITH CSV", sink)
        return time.perf_counter() - started, sink.lines


def _through_view(client, *, copy: bool, warm_up: bool = False) -> tuple[float, str]:
    from django.test import override_settings
    from django.urls import reverse

    data = {"dataset": "assessments", "file_format": "csv", "delivery": "download"}
    if warm_up:  # the page's imports and the first queries, not timed
        data["date_from"] = data["date_to"] = "2000-01-01"
    digest = hashlib.sha256()
    with override_settings(EXPORT_CSV_COPY=copy, EXPORT_BACKGROUND_ABOVE_ROWS=10**9):
        started = time.perf_counter()
        response = client.post(reverse("reports:exports"), data=data, secure=True)
        if response.status_code != 200 or not response.streaming:
            raise RuntimeError(f"export answered HTTP {response.status_code}")
        for chunk in response.streaming_content:
            digest.update(chunk)
        seconds = time.perf_counter() - started
    return seconds, digest.hexdigest()


def _outside_view(user) -> tuple[float, float, int]:
    """The service's stream read to the end: seconds, Python CPU seconds, rows."""
    from reports import services
    from reports.datasets import Filters

    cpu, started = time.process_time(), time.perf_counter()
    rows = 0
    stream = services.export_csv_stream(
        by=user, dataset_key="assessments", filters=Filters(), as_bytes=True
    )
    for chunk in stream:
        rows += chunk.count(b"\n")
    return time.perf_counter() - started, time.process_time() - cpu, rows - 1


def _export_targets(n_courses: int) -> list[dict]:
    user, client = _administrator()
    copy_seconds, copy_rows = _copy_floor()
    _through_view(client, copy=True, warm_up=True)
    view_seconds, view_digest = _through_view(client, copy=True)
    python_seconds, python_digest = _through_view(client, copy=False)
    outside_seconds, cpu_seconds, rows = _outside_view(user)
    same = "same bytes" if view_digest == python_digest else "BYTES DIFFER"
    common = (
        f"N={n_courses:,}, {rows:,} rows (COPY {copy_rows:,}); COPY {copy_seconds:.2f} s; "
        f"through the page {view_seconds:.2f} s with COPY, {python_seconds:.2f} s with the "
        f"Python writer ({same}); outside it {outside_seconds:.2f} s"
    )
    view_fraction = copy_seconds / view_seconds
    outside_fraction = copy_seconds / outside_seconds
    cpu_us = cpu_seconds / max(rows, 1) * 1e6
    return [
        {
            "item": "4",
            "target": f"export ≥ {EXPORT_OF_COPY_VIEW:.0%} of COPY through the view",
            "measured": f"{view_fraction:.1%} (Python writer: {copy_seconds / python_seconds:.1%})",
            "met": view_fraction >= EXPORT_OF_COPY_VIEW and view_digest == python_digest,
            "detail": common,
        },
        {
            "item": "4",
            "target": f"export ≥ {EXPORT_OF_COPY_OUTSIDE:.0%} of COPY outside the view",
            "measured": f"{outside_fraction:.1%}",
            "met": outside_fraction >= EXPORT_OF_COPY_OUTSIDE,
            "detail": common,
        },
        {
            "item": "4",
            "target": f"export Python CPU ≤ {EXPORT_CPU_US_PER_ROW:g} µs a row",
            "measured": f"{cpu_us:.2f} µs a row",
            "met": cpu_us <= EXPORT_CPU_US_PER_ROW,
            "detail": f"{cpu_seconds:.2f} s CPU for {rows:,} rows outside the page",
        },
    ]


# --- item 5 ------------------------------------------------------------------------------


def _full_recompute() -> dict:
    """The recompute before item 5: every course's history read, the figures stored."""
    from django.utils import timezone

    from reports.models import DashboardSnapshot
    from reports.selectors import Scope, dashboard_data_full, split_curve_points

    now = timezone.now()
    data = dashboard_data_full(today=timezone.localdate(now), scope=Scope())
    curve_points = split_curve_points(data)
    DashboardSnapshot.objects.filter(scope_key=Scope().key).update(
        data=data, curve_points=curve_points, computed_at=now
    )
    return data


def _write_to_some_courses(round_number: int) -> None:
    """What signals do on writes to WRITES_BETWEEN_RECOMPUTES infused courses."""
    from patients.models import TreatmentCourse
    from reports import services

    ids = list(
        TreatmentCourse.objects.filter(day0_date__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[
            round_number * WRITES_BETWEEN_RECOMPUTES : (round_number + 1)
            * WRITES_BETWEEN_RECOMPUTES
        ]
    )
    services.course_figures_mark_changed(course_ids=ids)


def _dashboard_targets(n_courses: int) -> list[dict]:
    from django.utils import timezone

    from reports import services
    from reports.selectors import Scope, dashboard_data, dashboard_data_full

    started = time.perf_counter()
    built = services.course_figures_refresh(full=True)
    first_build = time.perf_counter() - started
    services.dashboard_recompute(scope=Scope())
    full, incremental = [], []
    for round_number in range(RUNS):
        started = time.perf_counter()
        _full_recompute()
        full.append(time.perf_counter() - started)
        _write_to_some_courses(round_number)
        started = time.perf_counter()
        services.dashboard_recompute(scope=Scope())
        incremental.append(time.perf_counter() - started)
    today = timezone.localdate()
    identical = dashboard_data(today=today) == dashboard_data_full(today=today)
    full_s, incremental_s = statistics.median(full), statistics.median(incremental)
    ratio = incremental_s / full_s
    return [
        {
            "item": "5",
            "target": f"dashboard recompute ≤ {RECOMPUTE_RATIO}× today's, figures identical",
            "measured": f"{ratio:.2f}× ({incremental_s * 1000:.0f} vs {full_s * 1000:.0f} ms)"
            + ("" if identical else "; FIGURES DIFFER"),
            "met": ratio <= RECOMPUTE_RATIO and identical,
            "detail": (
                f"N={n_courses:,}; medians of {RUNS}; {WRITES_BETWEEN_RECOMPUTES} courses "
                f"written to before each recompute; first build of the per-course figures "
                f"({built:,} courses) {first_build:.2f} s; figures "
                + ("identical to the full recompute" if identical else "DIFFER")
            ),
        }
    ]


if __name__ == "__main__":  # python -m bench.report_targets N: on the bench database as is
    import sys

    from bench.run import _environment

    _environment()
    import django

    django.setup()
    for row in measure_report_targets(n_courses=int(sys.argv[1]) if len(sys.argv) > 1 else 0):
        print(row)
