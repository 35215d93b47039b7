"""The "Targets" table of issue 20 (items 1–7): each target with its measured value, its
ratio and query counts from this run, and met or NOT met.

Ratios are measured side by side in one run with the old code kept in bench/: the Today list
(bench/legacy_today.py) and the floor before item 1 (bench/legacy_floor.py: the old
second-factor middleware and the session saved on every request). The previous run's floor
(bench/baseline_round1.json, copied from RESULTS.json of 2026-11-27) stays in the row's detail
as a second reference, and is the comparison only if the old floor could not be timed.
Items 4 and 5 (exports, dashboard) are measured by bench/report_targets.py. Item 7 (the test
suite) is not re-run by the bench: its figures are measured apart, in bench/suite_speed.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.constants import (
    FLAT_MAX_RATIO,
    FLOOR_MAX_QUERIES,
    FLOOR_MAX_RATIO,
    LOAD_MAX_P95_MS,
    LOAD_MIN_RPS,
    REFRESH_MAX_FLOORS,
    SUITE_MIN_SAVING,
    TODAY_MAX_QUERIES,
    TODAY_MAX_RATIO,
    WARD_MODEL_MAX_P95_MS,
    WARD_MODEL_SPEEDUP,
)

HERE = Path(__file__).resolve().parent


def _row(item, target, measured, met, detail="") -> dict:
    return {"item": item, "target": target, "measured": measured, "met": met, "detail": detail}


def _baseline(n: int) -> dict:
    path = HERE / "baseline_round1.json"
    if not path.exists():
        return {}
    pages = json.loads(path.read_text())["pages"]
    return pages.get(str(n)) or pages[max(pages, key=int)]


def issue20_targets(sizes, results, load, *, n_courses: int) -> list[dict]:
    rows = []
    large = results[sizes[-1]]
    small = results[sizes[0]]
    floor = large["floor"]
    floor_row = _floor_target(floor, large.get("floor_legacy"), _baseline(sizes[-1]).get("floor"))
    if floor_row:
        rows.append(floor_row)
    today, rebuilt, legacy = large["today"], large["today_rebuilt"], large["today_legacy"]
    refresh, refresh_old = large["today_refresh"], large["today_refresh_legacy"]
    if not (rebuilt.error or legacy.error):
        ratio = rebuilt.median_ms / legacy.median_ms
        rows.append(
            _row(
                2,
                f"Today full page ≤ {TODAY_MAX_QUERIES} queries, ≤ {TODAY_MAX_RATIO:g}× today's",
                f"rows built: {rebuilt.median_ms:.1f} ms, {rebuilt.queries} queries = "
                f"{ratio:.2f}× the old page ({legacy.median_ms:.1f} ms, {legacy.queries} q); "
                f"rows cached: {today.median_ms:.1f} ms, {today.queries} q = "
                f"{today.median_ms / legacy.median_ms:.2f}×",
                rebuilt.queries <= TODAY_MAX_QUERIES and ratio <= TODAY_MAX_RATIO,
                "the met/NOT met is judged on the page with its rows built (a write just "
                "bumped the ward): the worst case",
            )
        )
    if not (refresh.error or floor.error):
        floors = refresh.median_ms / floor.median_ms
        rows.append(
            _row(
                2,
                f"Today htmx refresh ≤ {REFRESH_MAX_FLOORS:g}× the floor",
                f"{refresh.median_ms:.1f} ms = {floors:.2f}× floor ({floor.median_ms:.2f} ms), "
                f"{refresh.queries} queries; before: {refresh_old.median_ms:.1f} ms, "
                f"{refresh_old.queries} q",
                floors <= REFRESH_MAX_FLOORS,
            )
        )
    search_small, search_large = small["patients_q"], large["patients_q"]
    if not (search_small.error or search_large.error):
        grow = search_large.median_ms / search_small.median_ms
        in_floors = grow / (floor.median_ms / small["floor"].median_ms)
        rows.append(
            _row(
                3,
                f"search flat with N for a selective term (≤ {FLAT_MAX_RATIO:g}×, same queries)",
                f"N={sizes[0]:,} → {sizes[-1]:,}: {search_small.median_ms:.1f} → "
                f"{search_large.median_ms:.1f} ms ({grow:.2f}×; in floors {in_floors:.2f}×), "
                f"queries {search_small.queries} → {search_large.queries}",
                grow <= FLAT_MAX_RATIO and search_small.queries == search_large.queries,
                "an MRN prefix matching 10 patients at every N; the common name "
                "(Wang, 2%) is timed apart; the plan of each query is in the EXPLAIN section",
            )
        )
    rows += _report_targets(n_courses)
    rows += _load_targets(load)
    rows.append(_suite_target())
    return rows


def _floor_target(floor, legacy, baseline: dict | None) -> dict | None:
    """Item 1: the floor against the floor before item 1 timed in this run (interleaved),
    else against the previous run's figure."""
    target = f"floor ≤ {FLOOR_MAX_QUERIES} queries, ≤ {FLOOR_MAX_RATIO:g}× the floor before"
    previous = ""
    if baseline and baseline.get("median_ms"):
        previous = (
            f"previous run's floor (baseline_round1.json): {baseline['median_ms']:.2f} ms, "
            f"{baseline['queries']} queries = {floor.median_ms / baseline['median_ms']:.2f}×"
        )
    if floor.error:
        return None
    if legacy is not None and not legacy.error:
        ratio = floor.median_ms / legacy.median_ms
        return _row(
            1,
            target,
            f"{floor.queries} queries, {floor.median_ms:.2f} ms = {ratio:.2f}× "
            f"({legacy.median_ms:.2f} ms, {legacy.queries} queries)",
            floor.queries <= FLOOR_MAX_QUERIES and ratio <= FLOOR_MAX_RATIO,
            "the floor before timed in this run, interleaved (bench/legacy_floor.py)"
            + (f"; {previous}" if previous else ""),
        )
    if not previous:
        return None
    ratio = floor.median_ms / baseline["median_ms"]
    return _row(
        1,
        target,
        f"{floor.queries} queries, {floor.median_ms:.2f} ms = {ratio:.2f}× "
        f"({baseline['median_ms']:.2f} ms, {baseline['queries']} queries)",
        floor.queries <= FLOOR_MAX_QUERIES and ratio <= FLOOR_MAX_RATIO,
        "the floor before is the previous run's (baseline_round1.json), not this run's",
    )


def _report_targets(n_courses: int) -> list[dict]:
    try:
        from bench.report_targets import measure_report_targets
    except ImportError:
        return [
            _row(item, what, "not measured", False, "bench/report_targets.py is not there yet")
            for item, what in ((4, "export through COPY"), (5, "dashboard recompute"))
        ]
    try:
        return measure_report_targets(n_courses=n_courses)
    except Exception as error:
        return [_row("4–5", "exports, dashboard", "failed", False, f"{error}"[:200])]


def _load_targets(load: dict) -> list[dict]:
    if not load or "error" in load:
        return [_row(6, "load", "not measured", False, (load or {}).get("error", "skipped"))]
    closed = _row(
        6,
        f"Today ≥ {LOAD_MIN_RPS:g} requests/s with {load['users']} clients, "
        f"p95 < {LOAD_MAX_P95_MS:g} ms",
        f"{load['tool']}: {load['rps']:.1f} req/s, p95 {load['p95_ms']:.0f} ms, "
        f"{load['errors']} errors",
        load["rps"] >= LOAD_MIN_RPS and load["p95_ms"] < LOAD_MAX_P95_MS and not load["errors"],
        load.get("missing", ""),
    )
    model = load.get("ward_model") or {"error": "not run"}
    if "error" in model:
        return [closed, _row(6, "ward model", "failed", False, model["error"])]
    kinds = ", ".join(
        f"{k} p95 {v['p95_ms']:.0f} ms (n={v['n']})" for k, v in model["by_kind"].items()
    )
    return [
        closed,
        _row(
            6,
            f"ward model at {WARD_MODEL_SPEEDUP:g}× the ward's rate: p95 < "
            f"{WARD_MODEL_MAX_P95_MS:g} ms",
            f"{model['nurses']} nurses × {model['speedup']:g}: {model['rps']:.1f} req/s, "
            f"p95 {model['p95_ms']:.0f} ms ({kinds}), {model['errors']} errors",
            model["p95_ms"] < WARD_MODEL_MAX_P95_MS and not model["errors"],
            "open loop, latency from the scheduled moment",
        ),
    ]


def _suite_target() -> dict:
    path = HERE / "suite_speed.json"
    what = f"make test on SQLite ≥ {SUITE_MIN_SAVING:.0%} faster (seed-once fixture)"
    if not path.exists():
        return _row(7, what, "not measured", False, "bench/suite_speed.json is missing")
    data = json.loads(path.read_text())
    saving = 1 - data["after_s"] / data["before_s"]
    return _row(
        7,
        what,
        f"{data['before_s']:.0f} s → {data['after_s']:.0f} s ({saving:.0%} faster) on "
        f"{data['scope']}",
        saving >= SUITE_MIN_SAVING,
        f"measured apart, {data['when']}; load average {data['load_average']}",
    )


def targets_markdown(rows: list[dict]) -> list[str]:
    out = ["## Targets of issue 20\n", "| item | target | measured | met | detail |"]
    out.append("|---|---|---|---|---|")
    for r in rows:
        met = "met" if r["met"] else "**NOT met**"
        out.append(f"| {r['item']} | {r['target']} | {r['measured']} | {met} | {r['detail']} |")
    out.append("")
    return out
