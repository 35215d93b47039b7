"""The monitoring sweep at scale (monitoring.services.monitoring_sweep). Part of run.py."""

from __future__ import annotations

import time

from bench.constants import SWEEP_PATIENTS
from bench.measure import _settle


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
