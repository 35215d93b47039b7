"""Timing pages in process (django.test.Client), the export against COPY, the dashboard's
background job, and the plans of every query (EXPLAIN). Part of ``make bench`` (run.py)."""

from __future__ import annotations

import io
import re
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field

from bench.constants import PAGE_BUDGET_SECONDS


@dataclass
class Timing:
    name: str
    url: str
    median_ms: float = 0.0
    p95_ms: float = 0.0
    queries: int = 0
    status: int = 0
    error: str = ""
    rows: str = ""
    extra: dict = field(default_factory=dict)


def _consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _time_page(
    client, name, url, *, requests, warmup=3, method="get", data=None, headers=None, before=None
) -> Timing:
    """``before()``, if given, runs before each request, outside the timing (e.g. a write
    that makes the Today rows be built again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timing = Timing(name, url)

    def call():
        if before is not None:
            before()
        response = getattr(client, method)(url, data=data, secure=True, headers=headers)
        _consume(response)
        return response

    started = time.perf_counter()
    response = call()
    first = time.perf_counter() - started
    timing.status = response.status_code
    if response.status_code != 200:
        timing.error = f"HTTP {response.status_code}"
        return timing
    # A page that takes seconds is not flat anyway: fewer samples keep the run bounded.
    if first > 1.0:
        warmup, requests = 1, max(5, min(requests, int(PAGE_BUDGET_SECONDS / first)))
    timing.extra["samples"] = requests
    for _ in range(warmup - 1):
        call()
    samples = []
    for _ in range(requests):
        if before is not None:
            before()
        started = time.perf_counter()
        response = getattr(client, method)(url, data=data, secure=True, headers=headers)
        _consume(response)
        samples.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        call()
    timing.median_ms = statistics.median(samples) * 1000
    timing.p95_ms = statistics.quantiles(samples, n=20, method="inclusive")[18] * 1000
    timing.queries = len(queries)
    timing.extra["sql"] = [q["sql"] for q in queries.captured_queries]
    return timing


def _login(username):
    from django.test import Client

    from core.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    _second_factor(client, user)
    return client


def _second_factor(client, user) -> None:
    """Roles that need a second factor (administrators) get a TOTP device and a session that
    has passed it, as after entering a code. Nothing to do before the project had one."""
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from core.middleware import needs_second_factor
    except ImportError:
        return
    if not needs_second_factor(user):
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _reports_available() -> dict:
    """What the reports app offers yet: its dashboard and its CSV export."""
    from django.db import connection
    from django.urls import NoReverseMatch, reverse

    available = {"dashboard": None, "export": None}
    try:
        from reports import datasets
        from reports.models import ExportLog
    except Exception as error:  # the app is being built: anything may be missing
        return {"dashboard": None, "export": None, "why": f"reports: {error}"}
    tables = set(connection.introspection.table_names())
    if ExportLog._meta.db_table not in tables:
        return {**available, "why": "reports tables not migrated"}
    try:
        available["dashboard"] = reverse("reports:dashboard")
        available["export"] = reverse("reports:exports")
    except NoReverseMatch as error:
        available["why"] = str(error)
    if available["export"] and datasets.get("assessments") is None:
        available["export"] = None
        available["why"] = "no assessments dataset"
    return available


def _export(client, url, *, traced: bool) -> tuple[float, int, int]:
    """POST the export form (CSV, download now) and read the stream: seconds, bytes, peak."""
    data = {"dataset": "assessments", "file_format": "csv", "delivery": "download"}
    if traced:
        tracemalloc.start()
    from django.test.utils import override_settings

    started = time.perf_counter()
    # Every row, downloaded now: the bench times the stream, not the background job that a
    # large export is sent to (EXPORT_BACKGROUND_ABOVE_ROWS).
    with override_settings(EXPORT_BACKGROUND_ABOVE_ROWS=10**9):
        response = client.post(url, data=data, secure=True)
        size = _consume(response)
    seconds = time.perf_counter() - started
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if response.status_code != 200 or not response.streaming:
        raise RuntimeError(f"export answered HTTP {response.status_code}")
    return seconds, size, peak


class _CountingSink(io.RawIOBase):
    def __init__(self):
        self.bytes = 0
        self.lines = 0

    def write(self, data):
        self.bytes += len(data)
        self.lines += data.count(b"\n") if isinstance(data, bytes) else data.count("\n")
        return len(data)


def _copy_export_rows(*, wide: bool = False) -> tuple[float, int, int]:
    """PostgreSQL's COPY (…) TO STDOUT WITH CSV of the rows the export writes: the export's
    own query (exactly its columns, same joins and filters), the floor for an export. With
    wide, the dataset's model query instead (every column of the joined rows), the baseline
    of the earlier runs."""
    from django.db import connection

    from reports import datasets

    dataset = datasets.get("assessments")
    if wide:
        qs = dataset.queryset(datasets.Filters())
    else:
        qs = dataset.row_query(datasets.Filters())
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        inline = cursor.mogrify(sql, params).decode()
        sink = _CountingSink()
        started = time.perf_counter()
        cursor.copy_expert(f"COPY ({inline}) TO STDOUT WITH CSV", sink)
        seconds = time.perf_counter() - started
    return seconds, sink.lines, sink.bytes


def measure_size(scenario, *, requests: int) -> dict:
    """Every page of the table at one size."""
    from django.contrib import admin

    from patients.models import Patient

    # The admin changelist shows the same 50 patients as the patient list (default 100).
    admin.site._registry[Patient].list_per_page = 50
    nurse = _login(scenario.nurse)
    clinician = _login(scenario.clinician)
    superuser = _login(scenario.superuser)
    administrator = _login(scenario.administrator)
    reports = _reports_available()
    pages = {}

    def page(key, client, name, url, **options):
        pages[key] = _time_page(client, name, url, requests=requests, **options)

    pages.update(
        today_pages(nurse, scenario.ward_code, requests=requests, nurse_username=scenario.nurse)
    )
    page("timeline", clinician, "patient timeline", f"/patients/{scenario.timeline_patient_id}/")
    page(
        "chart",
        clinician,
        "monitoring chart data",
        f"/monitoring/courses/{scenario.chart_course_id}/chart.json",
    )
    page("patients", clinician, "patient list (50 rows)", "/patients/")
    page("admin", superuser, "admin changelist (50 rows)", "/admin/patients/patient/")
    if reports.get("dashboard"):
        # The page reads stored figures; a worker recomputes them (beat, every few minutes).
        # Time that job too, then the page as a reader finds it after the job has run.
        pages["dashboard_recompute"] = _time_dashboard_recompute()
        page("dashboard", administrator, "reports dashboard", reports["dashboard"])
    else:
        page("dashboard", clinician, "home page (no reports dashboard yet)", "/")
    # Filtered variants of the list pages: timed, and their plans shown at the largest size.
    ward_id = _ward_id(scenario.ward_code)
    page("patients_ward", clinician, "patient list, ward filter", f"/patients/?ward={ward_id}")
    page("patients_stage", clinician, "patient list, stage filter", "/patients/?stage=monitoring")
    # The search timed for flatness is selective: an MRN prefix that matches the same ten
    # patients at every size (a clerk typing most of an MRN). "Wang", a common family name,
    # matches about 2% of the patients (2 at N=100, 214 at 10,000), so its page shows 2 rows
    # at the smallest size and 50 at the largest: timed too, as the common term, not judged.
    selective = f"{scenario.label.upper()[:8]}-000004"  # generator._mrn_prefix + 6 digits
    page(
        "patients_q",
        clinician,
        "patient list, MRN search (10 matches)",
        f"/patients/?q={selective}",
    )
    page(
        "patients_q_common", clinician, "patient list, name search (Wang, 2%)", "/patients/?q=Wang"
    )
    page("escalations", clinician, "open escalations", "/monitoring/escalations/")

    export = Timing("CSV export (assessments)", reports.get("export") or "")
    if reports.get("export"):
        try:
            seconds, size, _ = _export(administrator, reports["export"], traced=False)
            _, _, peak = _export(administrator, reports["export"], traced=True)
            copy_seconds, copy_rows, copy_bytes = _copy_export_rows()
            wide_seconds, _, _ = _copy_export_rows(wide=True)
            export.median_ms = seconds * 1000
            export.extra.update(
                bytes=size,
                peak_mib=peak / 2**20,
                copy_ms=copy_seconds * 1000,
                copy_rows=copy_rows,
                copy_bytes=copy_bytes,
                fraction_of_copy=copy_seconds / seconds if seconds else 0,
                wide_copy_ms=wide_seconds * 1000,
                fraction_of_wide_copy=wide_seconds / seconds if seconds else 0,
            )
            export.status = 200
        except Exception as error:
            export.error = f"{type(error).__name__}: {error}"
    else:
        export.error = f"not available yet ({reports.get('why', 'reports has no export')})"
    pages["export"] = export
    return pages


REFRESH = {"HX-Request": "true", "X-Background-Poll": "1"}


def _time_interleaved(specs: dict, *, requests: int, warmup: int = 3) -> dict[str, Timing]:
    """Time several pages in turns (A, B, C, A, B, C…, the order rotating each round), so that
    their ratios hold on a shared machine whose load drifts from minute to minute: each
    page's samples come from the same minutes. ``specs``: key → (client, name, url, options
    with ``headers`` and ``before`` as for _time_page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, calls = {}, {}
    for key, (client, name, url, options) in specs.items():
        headers, before = options.get("headers"), options.get("before")

        def call(client=client, url=url, headers=headers, before=before):
            if before is not None:
                before()
            started = time.perf_counter()
            response = client.get(url, secure=True, headers=headers)
            _consume(response)
            return response, time.perf_counter() - started

        timings[key] = Timing(name, url, extra={"samples": requests, "interleaved": True})
        calls[key] = call
        for _ in range(warmup):
            response, _seconds = call()
        timings[key].status = response.status_code
        if response.status_code != 200:
            timings[key].error = f"HTTP {response.status_code}"
    keys = [k for k in specs if not timings[k].error]
    samples: dict[str, list[float]] = {k: [] for k in keys}
    for round_ in range(requests):
        shift = round_ % len(keys) if keys else 0
        for key in keys[shift:] + keys[:shift]:
            samples[key].append(calls[key]()[1])
    for key in keys:
        with CaptureQueriesContext(connection) as queries:
            calls[key]()
        t = timings[key]
        t.median_ms = statistics.median(samples[key]) * 1000
        t.p95_ms = statistics.quantiles(samples[key], n=20, method="inclusive")[18] * 1000
        t.queries = len(queries)
        t.extra["sql"] = [q["sql"] for q in queries.captured_queries]
    return timings


def today_pages(nurse, ward_code, *, requests: int, nurse_username="") -> dict[str, Timing]:
    """The floor (issue 20 item 1) and the Today list (item 2), new and old, interleaved in
    this run: the page with its rows cached (what a nurse gets while nothing is written), with
    its rows built again at each request (a write just bumped the ward: the version is bumped
    before each request, untimed), the minute's htmx refresh; and the same through the code
    before issue 20 (bench/legacy_today.py, /bench/legacy-today/; the floor through the old
    middleware and session saving, bench/legacy_floor.py, for nurse_username)."""
    from bench.legacy_floor import LegacyClient
    from core.models import User, Ward
    from monitoring import today_cache

    ward_id = Ward.objects.get(code=ward_code).pk
    new, old = f"/monitoring/today/?ward={ward_code}", f"/bench/legacy-today/?ward={ward_code}"

    def ward_written():
        today_cache.wards_changed([ward_id])

    specs = {
        "floor": (nurse, "floor (login + fixed string)", "/bench/floor/", {}),
        "today": (nurse, "Today list (ward of ~30), rows cached", new, {}),
        "today_rebuilt": (
            nurse,
            "Today list, rows built (after a write)",
            new,
            {"before": ward_written},
        ),
        "today_legacy": (nurse, "Today list before issue 20", old, {}),
        "today_refresh": (
            nurse,
            "Today refresh (htmx), rows cached",
            new,
            {"headers": REFRESH},
        ),
        "today_refresh_legacy": (
            nurse,
            "Today refresh (htmx) before issue 20",
            old,
            {"headers": REFRESH},
        ),
    }
    if nurse_username:
        specs["floor_legacy"] = (
            LegacyClient(User.objects.get(username=nurse_username)),
            "floor before issue 20 (second factor queried, session saved on every request)",
            "/bench/floor/",
            {},
        )
    return _time_interleaved(specs, requests=requests)


def floor_pages(nurse_username: str, *, requests: int) -> dict[str, Timing]:
    """Only the floor, now and before issue 20 item 1, interleaved (a check of
    bench/legacy_floor.py on a database as it is: nothing is written but sessions)."""
    from bench.legacy_floor import LegacyClient
    from core.models import User

    specs = {
        "floor": (_login(nurse_username), "floor", "/bench/floor/", {}),
        "floor_legacy": (
            LegacyClient(User.objects.get(username=nurse_username)),
            "floor before issue 20",
            "/bench/floor/",
            {},
        ),
    }
    return _time_interleaved(specs, requests=requests)


def _time_dashboard_recompute(runs: int = 3) -> Timing:
    """The background job behind the dashboard: all of its figures computed and stored."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import services
    from reports.selectors import Scope

    timing = Timing("dashboard figures, background recompute (not a page)", "beat job")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            services.dashboard_recompute(scope=Scope())
        samples.append(time.perf_counter() - started)
    timing.median_ms = statistics.median(samples) * 1000
    timing.p95_ms = max(samples) * 1000
    timing.queries = len(queries)
    timing.status = 200
    return timing


def _ward_id(code):
    from core.models import Ward

    return Ward.objects.get(code=code).pk


_SCAN = re.compile(
    r"(Seq Scan on \S+|Index Scan(?: Backward)? using \S+ on \S+|Index Only Scan(?: Backward)? "
    r"using \S+ on \S+|Bitmap Index Scan on \S+|Bitmap Heap Scan on \S+)"
)


def explain(pages: dict) -> dict:
    """The scans of every query of each page: which index answers it, or a sequential scan."""
    from django.db import connection

    plans = {}
    with connection.cursor() as cursor:
        for key, timing in pages.items():
            rows = []
            seen = set()
            for sql in timing.extra.get("sql", []):
                head = sql.lstrip().split(None, 1)[0].upper()
                if head != "SELECT" or sql in seen:
                    continue
                seen.add(sql)
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(r[0] for r in cursor.fetchall())
                scans = _SCAN.findall(plan)
                rows.append((_short_sql(sql), scans, plan))
            plans[key] = rows
    return plans


def _short_sql(sql: str) -> str:
    match = re.search(r"\bFROM\s+(\"?\w+\"?)", sql)
    where = re.search(r"\bWHERE\s+(.{0,140})", sql)
    order = re.search(r"\bORDER BY\s+(.{0,80})", sql)
    parts = [f"FROM {match.group(1)}" if match else sql[:60]]
    if where:
        parts.append("WHERE " + where.group(1).split(" ORDER BY")[0].split(" LIMIT")[0])
    if order:
        parts.append("ORDER BY " + order.group(1).split(" LIMIT")[0])
    return " ".join(parts).replace('"', "")


def _big_seq_scans(plans: dict, min_rows: int = 5000) -> list[tuple[str, str]]:
    """Sequential scans of tables that hold more than a few thousand rows."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for key, rows in plans.items():
            for sql, scans, _ in rows:
                for scan in scans:
                    if scan.startswith("Seq Scan on "):
                        table = scan.split()[-1]
                        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
                        row = cursor.fetchone()
                        if row and row[0] >= min_rows:
                            found.append((key, f"{table} ({int(row[0])} rows): {sql}"))
    return found


def _settle(connection) -> None:
    """Vacuum, analyse and checkpoint after a bulk load, as a database that has been running
    for a while would be; otherwise autovacuum (triggered by the inserts) and the checkpoint
    compete with the timings for the two cores."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
