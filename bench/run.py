"""The scale benchmark: ``make bench`` (``python -m bench.run [--sizes 100,1000,10000]``).

The database is BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cart_bench
(created and migrated if missing; emptied at each size; DATABASE_URL is ignored).

For each size N it empties the dedicated PostgreSQL database (default cart_bench), generates
N courses (bench.generator), and times in process, with django.test.Client, the busiest
pages against the floor (a login-protected view returning a fixed string), the Django admin
changelist and PostgreSQL's own COPY. At the largest size it also shows the plans (EXPLAIN) of
every query of the list pages, times the monitoring sweep for 1,000 patients in their window,
and loads gunicorn with 50 concurrent users (wrk, or a small Python load generator).
Results are printed and kept in bench/RESULTS.md.

The server runs as in production (DEBUG off, manifest static files, HTTPS behind a proxy),
except LOG_LEVEL=WARNING so that logs do not drown the table.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cart_bench"
RESULTS = BASE_DIR / "bench" / "RESULTS.md"

# Targets of the issue.
FLAT_MAX_RATIO = 1.25
NEAR_FLOOR_MAX = 10.0
SWEEP_MAX_SECONDS = 2.0
SWEEP_PATIENTS = 1000
LOAD_USERS = 50
EXPORT_MAX_MIB = 150
EXPORT_MIN_FRACTION = 0.25
PAGE_BUDGET_SECONDS = 60


def _environment() -> None:
    # Never the developer's DATABASE_URL: the benchmark empties its database.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cart_workflow.settings")
    sys.path.insert(0, str(BASE_DIR))


def _ensure_database() -> str:
    """Create the benchmark database if it does not exist (it must be named for benchmarks)."""
    import environ
    import psycopg2

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = config["NAME"]
    if "postgresql" not in config["ENGINE"] or "bench" not in name:
        raise SystemExit(
            f"BENCH_DATABASE_URL must name a PostgreSQL database containing 'bench' "
            f"(got {name!r}): the benchmark empties it."
        )
    admin = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()
    return name


# --- measuring ---------------------------------------------------------------------------


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


def _time_page(client, name, url, *, requests, warmup=3, method="get", data=None) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timing = Timing(name, url)

    def call():
        response = getattr(client, method)(url, data=data, secure=True)
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
        started = time.perf_counter()
        call()
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
    started = time.perf_counter()
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

    def page(key, client, name, url):
        pages[key] = _time_page(client, name, url, requests=requests)

    page("floor", nurse, "floor (login + fixed string)", "/bench/floor/")
    page(
        "today", nurse, "Today list (ward of ~30)", f"/monitoring/today/?ward={scenario.ward_code}"
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
    page("patients_q", clinician, "patient list, name search", "/patients/?q=Wang")
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


# --- plans -------------------------------------------------------------------------------

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


# --- the monitoring sweep ----------------------------------------------------------------


def sweep_benchmark() -> list[dict]:
    """monitoring_sweep with the patients in monitoring now, then with 1,000 in their window:
    a cold sweep (creates every due task and reminder and delivers them) and a steady one
    (the next 5-minute run). Time and queries of each, and of tasks_create_due alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.generator import generate
    from monitoring import services
    from patients.models import Stage

    def in_window():
        return services._monitored_courses(timezone.now()).count()

    def run(label):
        rows = []
        for phase in ("cold", "steady"):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = services.monitoring_sweep()
                seconds = time.perf_counter() - started
            rows.append(
                {
                    "label": label,
                    "phase": phase,
                    "patients": in_window(),
                    "seconds": seconds,
                    "queries": len(queries),
                    "result": result,
                }
            )
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                services.tasks_create_due(now=timezone.now())
                services.reminders_create(now=timezone.now())
                seconds = time.perf_counter() - started
            rows.append(
                {
                    "label": label,
                    "phase": f"{phase}: tasks_create_due + reminders_create",
                    "patients": in_window(),
                    "seconds": seconds,
                    "queries": len(queries),
                    "result": "",
                }
            )
        return rows

    results = run("patients in monitoring")
    missing = SWEEP_PATIENTS - in_window()
    if missing > 0:
        generate(courses=missing, label="sweep", only_stage=Stage.MONITORING)
        _settle(connection)
        results += run(f"{SWEEP_PATIENTS} in their window")
    return results


# --- load ----------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sessions(username: str, count: int) -> list[str]:
    from django.conf import settings

    return [_login(username).cookies[settings.SESSION_COOKIE_NAME].value for _ in range(count)]


def load_test(scenario, *, seconds: int, users: int = LOAD_USERS) -> dict:
    """gunicorn with 2×cores+1 workers serves the Today list to ``users`` concurrent users
    (one session each) from a separate process: wrk if installed, else a Python client."""
    cores = os.cpu_count() or 1
    workers = 2 * cores + 1
    port = _free_port()
    cookies = _sessions(scenario.nurse, users)
    path = f"/monitoring/today/?ward={scenario.ward_code}"
    env = dict(os.environ)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cart_workflow.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port)
        result = {"workers": workers, "users": users, "seconds": seconds, "path": path}
        wrk = shutil.which("wrk")
        if wrk:
            result.update(_wrk(wrk, port, path, cookies, seconds, users, cores))
        else:
            result.update(_python_load(port, path, cookies, seconds, users))
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for(port: int, timeout: float = 90) -> None:
    """Until the workers answer (the socket opens before they have loaded Django)."""
    import http.client

    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            conn.close()
            answered += 1
            if answered >= 10:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer")


def _wrk(wrk, port, path, cookies, seconds, users, cores) -> dict:
    script = BASE_DIR / "bench" / "wrk_sessions.lua"
    url = f"http://127.0.0.1:{port}{path}"
    env = {**os.environ, "BENCH_COOKIES": ",".join(cookies)}
    # Warm-up: every worker opens its database connection and loads templates.
    subprocess.run(
        [wrk, "-t1", "-c10", "-d5s", "-s", str(script), url], env=env, capture_output=True
    )
    out = subprocess.run(
        [wrk, f"-t{cores}", f"-c{users}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
        + [url],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), "")
    values = dict(item.split("=") for item in line.split()[1:])
    errors = sum(
        int(values.get(k, 0))
        for k in ("non200", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return {
        "tool": "wrk",
        "requests": int(values.get("requests", 0)),
        "rps": float(values.get("rps", 0)),
        "p50_ms": float(values.get("p50_ms", 0)),
        "p95_ms": float(values.get("p95_ms", 0)),
        "p99_ms": float(values.get("p99_ms", 0)),
        "errors": errors,
        "raw": line,
    }


def _python_load(port, path, cookies, seconds, users) -> dict:
    """A bounded Python load generator: ``users`` threads, keep-alive, 127.0.0.1 only."""
    import http.client

    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = Counter()
    lock = threading.Lock()

    def user(cookie):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": f"sessionid={cookie}", "X-Forwarded-Proto": "https"}
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[f"HTTP {response.status}"] += 1
            except Exception as error:
                errors[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=user, args=(c,)) for c in cookies]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "tool": "python threads",
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 20 else 0,
        "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 100 else 0,
        "errors": sum(errors.values()),
        "raw": dict(errors),
    }


# --- machine and report ------------------------------------------------------------------


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    mem_kb = 0
    cpu = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "postgresql": pg,
        "python": platform.python_version(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


PAGE_ORDER = ("floor", "today", "timeline", "chart", "patients", "admin", "dashboard")
EXTRA_ORDER = (
    "patients_ward",
    "patients_stage",
    "patients_q",
    "escalations",
    "dashboard_recompute",
)


def report(sizes, generation, results, plans, sweep, load, info) -> str:
    out = []
    w = out.append
    w("# Scale benchmark results\n")
    w(
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}; load average at start "
        f"{info['load_average']} (the machine is shared: other engineers' tests run too).\n"
    )
    w(f"Run: `make bench` at {time.strftime('%Y-%m-%d %H:%M %Z')}.\n")
    w("## Data generation\n")
    w("| N courses | seconds | rows |")
    w("|---:|---:|---|")
    for n in sizes:
        g = generation[n]
        w(f"| {n:,} | {g['seconds']:.1f} | {g['rows']} |")
    w("")
    w("## Server time per request (in process, django.test.Client, after warm-up)\n")
    header = "| page |" + "".join(f" N={n:,} median / p95 ms | queries |" for n in sizes)
    w(header + " × floor (largest N) | flat? |")
    w("|---|" + "---:|---:|" * len(sizes) + "---:|---|")
    small, large = sizes[0], sizes[-1]
    checks = []
    for key in PAGE_ORDER + EXTRA_ORDER:
        cells = []
        for n in sizes:
            t = results[n][key]
            if t.error:
                cells.append(f" {t.error} | – |")
            else:
                cells.append(f" {t.median_ms:.1f} / {t.p95_ms:.1f} | {t.queries} |")
        a, b = results[small][key], results[large][key]
        floor = results[large]["floor"].median_ms
        ratio = f"{b.median_ms / floor:.1f}×" if not b.error and floor else "–"
        if a.error or b.error:
            flat = "–"
        else:
            grow = b.median_ms / a.median_ms if a.median_ms else 0
            # The same growth measured in floors: the floor is timed in the same minute, so
            # this cancels most of the noise of a shared machine.
            floor_a, floor_b = results[small]["floor"].median_ms, results[large]["floor"].median_ms
            relative = (b.median_ms / floor_b) / (a.median_ms / floor_a) if a.median_ms else 0
            same_queries = a.queries == b.queries
            ok = grow <= FLAT_MAX_RATIO and same_queries
            flat = (
                f"{'yes' if ok else 'NO'} ({grow:.2f}×; in floors {relative:.2f}×; "
                f"queries {a.queries}→{b.queries})"
            )
            if key in PAGE_ORDER and key != "floor":
                checks.append((f"flat: {b.name}", ok, flat))
        w(f"| {results[large][key].name} |" + "".join(cells) + f" {ratio} | {flat} |")
    w("")
    large_pages = results[large]
    floor = large_pages["floor"].median_ms
    for key in ("today", "timeline"):
        t = large_pages[key]
        if not t.error:
            checks.append(
                (
                    f"near the floor: {t.name} ≤ {NEAR_FLOOR_MAX:g}× floor",
                    t.median_ms <= NEAR_FLOOR_MAX * floor,
                    f"{t.median_ms / floor:.1f}×",
                )
            )
    p, a = large_pages["patients"], large_pages["admin"]
    if not (p.error or a.error):
        checks.append(
            (
                "patient list no slower than the admin changelist",
                p.median_ms <= a.median_ms,
                f"{p.median_ms / a.median_ms:.2f}× the admin ({p.median_ms:.1f} vs "
                f"{a.median_ms:.1f} ms)",
            )
        )
    w("## CSV export (assessments dataset, streamed)\n")
    w(
        "COPY is PostgreSQL's `COPY (…) TO STDOUT WITH CSV` of the export's own query (exactly "
        "the exported columns); the wide COPY is of the dataset's model query (every column of "
        "the joined rows), the baseline of earlier runs.\n"
    )
    w(
        "| N | rows (COPY) | export s | MiB sent | peak Python memory MiB | COPY s "
        "| export ÷ COPY throughput | wide COPY s | export ÷ wide COPY |"
    )
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        e = results[n]["export"]
        if e.error:
            w(f"| {n:,} | {e.error} | | | | | | | |")
        else:
            x = e.extra
            w(
                f"| {n:,} | {x['copy_rows']:,} | {e.median_ms / 1000:.2f} | "
                f"{x['bytes'] / 2**20:.1f} | {x['peak_mib']:.1f} | {x['copy_ms'] / 1000:.2f} | "
                f"{x['fraction_of_copy']:.1%} | {x['wide_copy_ms'] / 1000:.2f} | "
                f"{x['fraction_of_wide_copy']:.1%} |"
            )
    e_small, e_large = results[small]["export"], results[large]["export"]
    if not (e_small.error or e_large.error):
        grow = e_large.extra["peak_mib"] / max(e_small.extra["peak_mib"], 0.001)
        checks.append(
            (
                f"export peak memory under {EXPORT_MAX_MIB} MB, not growing with rows",
                grow <= 2 and e_large.extra["peak_mib"] < EXPORT_MAX_MIB,
                f"peak {e_small.extra['peak_mib']:.1f} → {e_large.extra['peak_mib']:.1f} MiB",
            )
        )
        worst = min(results[n]["export"].extra["fraction_of_copy"] for n in sizes)
        wide = min(results[n]["export"].extra["fraction_of_wide_copy"] for n in sizes)
        checks.append(
            (
                f"export at least {EXPORT_MIN_FRACTION:.0%} of COPY's throughput",
                worst >= EXPORT_MIN_FRACTION,
                f"worst {worst:.1%} of COPY of its own query ({wide:.1%} of the wide COPY)",
            )
        )
    w("")
    if sweep:
        w("## Monitoring sweep (monitoring.services.monitoring_sweep)\n")
        w("| patients in window | run | seconds | queries | result |")
        w("|---:|---|---:|---:|---|")
        for r in sweep:
            w(
                f"| {r['patients']:,} | {r['phase']} | {r['seconds']:.3f} | {r['queries']} | "
                f"{r['result']} |"
            )
        w("")
        steady = [r for r in sweep if r["phase"] == "steady"]
        big = [r for r in sweep if r["patients"] >= SWEEP_PATIENTS]
        if big:
            worst = max(r["seconds"] for r in big if not r["phase"].endswith("reminders_create"))
            checks.append(
                (
                    f"sweep of {SWEEP_PATIENTS:,} patients under {SWEEP_MAX_SECONDS:g} s",
                    worst <= SWEEP_MAX_SECONDS,
                    f"worst {worst:.2f} s",
                )
            )
        core = [r for r in sweep if r["phase"] == "steady: tasks_create_due + reminders_create"]
        if len(core) >= 2:
            checks.append(
                (
                    "sweep queries constant (tasks_create_due + reminders_create)",
                    len({r["queries"] for r in core}) == 1,
                    " → ".join(str(r["queries"]) for r in core),
                )
            )
        if len(steady) >= 2:
            checks.append(
                (
                    "sweep queries constant (whole steady sweep)",
                    len({r["queries"] for r in steady}) == 1,
                    " → ".join(str(r["queries"]) for r in steady),
                )
            )
    if load:
        w("## Under load (gunicorn, separate process)\n")
        if "error" in load:
            w(f"Load test failed: {load['error']}\n")
        else:
            w(
                f"{load['tool']}: {load['users']} concurrent users for {load['seconds']} s on "
                f"`{load['path']}` (N={large:,}), gunicorn {load['workers']} sync workers "
                f"(2×cores+1): **{load['rps']:.1f} requests/s**, p50 {load['p50_ms']:.0f} ms, "
                f"p95 {load['p95_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms, "
                f"{load['requests']:,} requests, {load['errors']} errors.\n"
            )
            checks.append((f"{load['users']} concurrent users, no errors", load["errors"] == 0, ""))
    w("## Targets\n")
    w("| target | met | measured |")
    w("|---|---|---|")
    for name, ok, detail in checks:
        w(f"| {name} | {'yes' if ok else '**NO**'} | {detail} |")
    w("")
    if plans:
        w(f"## Query plans at N={large:,} (EXPLAIN)\n")
        seqs = _big_seq_scans(plans)
        if seqs:
            w("Sequential scans of large tables:\n")
            for key, text in seqs:
                w(f"- {key}: {text}")
            w("")
        for key in PAGE_ORDER + EXTRA_ORDER:
            rows = plans.get(key) or []
            if not rows:
                continue
            w(f"**{large_pages[key].name}** (`{large_pages[key].url}`)\n")
            for sql, scans, _ in rows:
                w(f"- `{sql[:200]}` — {', '.join(scans) or 'no table scan'}")
            w("")
    return "\n".join(out) + "\n"


def _analysis(path: Path) -> str:
    """The hand-written "## Analysis" of the previous results file, kept below the new
    numbers (it explains why a target is missed and what to change; re-read it after a run)."""
    if not path.exists():
        return ""
    old = path.read_text()
    start = old.find("\n## Analysis")
    return old[start:] if start >= 0 else ""


def _settle(connection) -> None:
    """Vacuum, analyse and checkpoint after a bulk load, as a database that has been running
    for a while would be; otherwise autovacuum (triggered by the inserts) and the checkpoint
    compete with the timings for the two cores."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def _save_raw(path, sizes, generation, results, sweep, load) -> None:
    import json

    data = {
        "sizes": sizes,
        "generation": generation,
        "pages": {
            n: {
                k: {
                    "name": t.name,
                    "url": t.url,
                    "median_ms": t.median_ms,
                    "p95_ms": t.p95_ms,
                    "queries": t.queries,
                    "error": t.error,
                    **{x: v for x, v in t.extra.items() if x != "sql"},
                }
                for k, t in pages.items()
            }
            for n, pages in results.items()
        },
        "sweep": [{**r, "result": str(r["result"])} for r in sweep],
        "load": load,
    }
    path.write_text(json.dumps(data, indent=1, default=str))


# --- main ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated N")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--load-seconds", type=int, default=20)
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn load test")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    _environment()
    name = _ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from bench.generator import generate
    from bench.reset import reset

    print(f"database {name}: migrate, collectstatic")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    info = machine()
    generation, results = {}, {}
    plans, sweep, load = {}, [], {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for n in sizes:
            reset("bench")
            reset("sweep")
            print(f"N={n:,}: generating…", flush=True)
            scenario = generate(courses=n)
            _settle(connection)
            rows = ", ".join(f"{k} {v:,}" for k, v in scenario.counts.items() if isinstance(v, int))
            generation[n] = {"seconds": scenario.seconds, "rows": rows}
            print(f"  {scenario.seconds:.1f} s ({rows})", flush=True)
            print(f"N={n:,}: timing pages…", flush=True)
            results[n] = measure_size(scenario, requests=args.requests)
            for t in results[n].values():
                line = t.error or f"{t.median_ms:8.1f} ms  p95 {t.p95_ms:8.1f}  q {t.queries}"
                print(f"  {t.name:45} {line}", flush=True)
            if n == sizes[-1]:
                plans = explain({k: v for k, v in results[n].items() if k != "export"})
                if not args.no_load:
                    print(f"N={n:,}: load test ({args.load_seconds} s)…", flush=True)
                    try:
                        load = load_test(scenario, seconds=args.load_seconds)
                    except Exception as error:
                        load = {"error": f"{type(error).__name__}: {error}"}
                    print(f"  {load}", flush=True)
                if not args.no_sweep:
                    print(f"N={n:,}: monitoring sweep…", flush=True)
                    sweep = sweep_benchmark()
    _save_raw(Path(args.output).with_suffix(".json"), sizes, generation, results, sweep, load)
    text = report(sizes, generation, results, plans, sweep, load, info)
    Path(args.output).write_text(text + _analysis(Path(args.output)))
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
