"""Where ``make bench`` writes, and the targets it checks (issue 19 and issue 20)."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cart_bench"
RESULTS = BASE_DIR / "bench" / "RESULTS.md"

# The planner setting README recommends for a database that fits in memory (issue 20 item 3).
RANDOM_PAGE_COST = 1.1

# Targets of the issue.
FLAT_MAX_RATIO = 1.25
NEAR_FLOOR_MAX = 10.0
SWEEP_MAX_SECONDS = 2.0
SWEEP_PATIENTS = 1000
LOAD_USERS = 50
EXPORT_MAX_MIB = 150
EXPORT_MIN_FRACTION = 0.25
PAGE_BUDGET_SECONDS = 60
# Issue 20 targets (item: target).
FLOOR_MAX_QUERIES = 2
FLOOR_MAX_RATIO = 0.4  # of the floor before issue 20 (bench/legacy_floor.py, same run)
TODAY_MAX_QUERIES = 10
TODAY_MAX_RATIO = 0.6  # of the old Today page, same run (legacy_today.py)
REFRESH_MAX_FLOORS = 3.0
LOAD_MIN_RPS = 60.0
LOAD_MAX_P95_MS = 1000.0
WARD_MODEL_SPEEDUP = 10.0
WARD_MODEL_MAX_P95_MS = 130.0
SUITE_MIN_SAVING = 0.35
