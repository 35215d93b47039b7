"""The floor before issue 20 item 1 (bench/legacy_floor.py), timed beside today's in one run:
the old second-factor middleware asks for groups and devices, and the session is saved on
every request; today's floor runs neither."""

import pytest
from django.test import override_settings

from bench.constants import FLOOR_MAX_QUERIES
from bench.legacy_floor import legacy_middleware
from bench.measure import Timing, floor_pages
from bench.targets import _floor_target

pytestmark = pytest.mark.django_db


def test_the_old_middleware_replaces_the_new_pair():
    old = legacy_middleware()
    assert "django_otp.middleware.OTPMiddleware" in old
    assert "bench.legacy_floor.SecondFactorMiddleware" in old
    assert "core.middleware.SecondFactorMiddleware" not in old
    assert "core.middleware.SessionActivityMiddleware" not in old


def test_the_floor_is_timed_both_ways_in_one_run(nurse_ada):
    with override_settings(ROOT_URLCONF="bench.urls"):
        timings = floor_pages(nurse_ada.username, requests=3)
    now, before = timings["floor"], timings["floor_legacy"]
    assert (now.status, before.status, now.error, before.error) == (200, 200, "", "")
    assert now.queries <= FLOOR_MAX_QUERIES < before.queries
    old_sql = " ".join(before.extra["sql"]).lower()
    # What item 1 removed: the groups, the TOTP devices and the session written each time.
    assert "auth_group" in old_sql and "otp_totp" in old_sql
    assert 'update "django_session"' in old_sql
    new_sql = " ".join(now.extra["sql"]).lower()
    assert "otp_totp" not in new_sql and 'update "django_session"' not in new_sql


def test_the_target_row_compares_the_floors_of_this_run():
    now = Timing("floor", "/bench/floor/", median_ms=3.0, queries=2)
    before = Timing("floor before", "/bench/floor/", median_ms=10.0, queries=7)
    baseline = {"median_ms": 12.0, "queries": 7}
    row = _floor_target(now, before, baseline)
    assert row["met"] and row["measured"].startswith("2 queries, 3.00 ms = 0.30× (10.00 ms")
    assert "this run" in row["detail"] and "baseline_round1.json): 12.00 ms" in row["detail"]
    # Without the old floor of this run, the previous run's figure, said as such.
    row = _floor_target(now, None, baseline)
    assert row["measured"].startswith("2 queries, 3.00 ms = 0.25×")
    assert "previous run's" in row["detail"]
