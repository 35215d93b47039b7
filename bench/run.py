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
import os
import secrets
import sys
from pathlib import Path

from bench.constants import BASE_DIR, DEFAULT_DATABASE_URL, RANDOM_PAGE_COST, RESULTS


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
        # As README ("PostgreSQL planner settings") recommends for a database held in memory.
        cursor.execute(f'ALTER DATABASE "{name}" SET random_page_cost = {RANDOM_PAGE_COST}')
    admin.close()
    return name


# --- main ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated N")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--load-seconds", type=int, default=20, help="closed loop (wrk)")
    parser.add_argument("--model-seconds", type=int, default=60, help="open-loop ward model")
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
    from bench.load import load_test
    from bench.measure import _settle, explain, measure_size
    from bench.report import _analysis, _save_raw, machine, report
    from bench.reset import reset
    from bench.sweep import sweep_benchmark
    from bench.targets import issue20_targets

    print(f"database {name}: migrate, collectstatic")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    info = machine()
    generation, results = {}, {}
    plans, sweep, load, targets = {}, [], {}, []
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
                    print(f"N={n:,}: load test ({args.load_seconds} s + ward model)…", flush=True)
                    info["load_average_before_load"] = _load_average()
                    try:
                        load = load_test(
                            scenario, seconds=args.load_seconds, model_seconds=args.model_seconds
                        )
                    except Exception as error:
                        load = {"error": f"{type(error).__name__}: {error}"}
                    print(f"  {load}", flush=True)
                print(f"N={n:,}: issue 20 targets…", flush=True)
                targets = issue20_targets(sizes, results, load, n_courses=n)
                if not args.no_sweep:
                    print(f"N={n:,}: monitoring sweep…", flush=True)
                    sweep = sweep_benchmark()
    info["load_average_end"] = _load_average()
    _save_raw(
        Path(args.output).with_suffix(".json"), sizes, generation, results, sweep, load, targets
    )
    text = report(sizes, generation, results, plans, sweep, load, info, targets)
    Path(args.output).write_text(text + _analysis(Path(args.output)))
    print()
    print(text)
    return 0


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
