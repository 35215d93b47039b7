"""The report of ``make bench``: the machine, the tables, the targets (targets.py), the raw
numbers (RESULTS.json). Part of run.py."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

from bench.constants import (
    EXPORT_MAX_MIB,
    EXPORT_MIN_FRACTION,
    FLAT_MAX_RATIO,
    NEAR_FLOOR_MAX,
    RANDOM_PAGE_COST,
    SWEEP_MAX_SECONDS,
    SWEEP_PATIENTS,
)
from bench.measure import _big_seq_scans


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
    "floor_legacy",
    "today_rebuilt",
    "today_legacy",
    "today_refresh",
    "today_refresh_legacy",
    "patients_ward",
    "patients_stage",
    "patients_q",
    "patients_q_common",
    "escalations",
    "dashboard_recompute",
)


def report(sizes, generation, results, plans, sweep, load, info, targets=()) -> str:
    out = []
    w = out.append
    w("# Scale benchmark results\n")
    w(
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB, "
        f"PostgreSQL {info['postgresql']}, Python {info['python']}; load average at start "
        f"{info['load_average']}, before the load test "
        f"{info.get('load_average_before_load', '–')}, "
        f"at the end {info.get('load_average_end', '–')} (1, 5, 15 min; the machine is shared: "
        "other engineers' tests run too). The database runs with "
        f"random_page_cost = {RANDOM_PAGE_COST} (README, PostgreSQL planner settings).\n"
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
        # On PostgreSQL the export holds one key range of rows at a time, so its peak grows
        # with the rows up to one range and no further. "Not growing" compares the smallest
        # size that fills a range with the largest; a size exporting less than one range
        # (N=100) would only show the range filling up.
        try:
            from reports.export_copy import CHUNK_ROWS
        except ImportError:
            CHUNK_ROWS = 0
        full = [
            n
            for n in sizes
            if not results[n]["export"].error
            and results[n]["export"].extra["copy_rows"] >= CHUNK_ROWS
        ]
        base = full[0] if len(full) >= 2 else small
        e_base = results[base]["export"]
        grow = e_large.extra["peak_mib"] / max(e_base.extra["peak_mib"], 0.001)
        detail = (
            f"peak {e_base.extra['peak_mib']:.1f} → {e_large.extra['peak_mib']:.1f} MiB "
            f"(N={base:,} → {large:,})"
        )
        if base != small:
            detail += (
                f"; N={small:,} exports fewer rows than one range of {CHUNK_ROWS:,}: "
                f"{e_small.extra['peak_mib']:.1f} MiB"
            )
        checks.append(
            (
                f"export peak memory under {EXPORT_MAX_MIB} MB, not growing with rows",
                grow <= 2 and e_large.extra["peak_mib"] < EXPORT_MAX_MIB,
                detail,
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
            if load.get("missing"):
                w(f"{load['missing']}.\n")
            model = load.get("ward_model") or {}
            if "error" in model:
                w(f"Ward model failed: {model['error']}\n")
            elif model:
                kinds = "; ".join(
                    f"{k}: {v['n']} requests, p50 {v['p50_ms']:.0f} ms, p95 {v['p95_ms']:.0f} ms"
                    for k, v in model["by_kind"].items()
                )
                w(
                    f"{model['tool']}: {model['nurses']} nurses at {model['speedup']:g}× the "
                    f"ward's rate for {model['seconds']:g} s: {model['requests']:,} of "
                    f"{model['planned']:,} planned requests, {model['rps']:.1f} requests/s, "
                    f"p50 {model['p50_ms']:.0f} ms, **p95 {model['p95_ms']:.0f} ms**, "
                    f"p99 {model['p99_ms']:.0f} ms, {model['errors']} errors ({kinds}).\n"
                )
    if targets:
        from bench.targets import targets_markdown

        out.extend(targets_markdown(list(targets)))
    w("## Earlier targets (issue 19)\n")
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


def _save_raw(path, sizes, generation, results, sweep, load, targets=()) -> None:
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
        "targets": list(targets),
    }
    path.write_text(json.dumps(data, indent=1, default=str))
