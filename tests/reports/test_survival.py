"""Kaplan–Meier against a hand-worked example, a textbook data set and (if installed)
lifelines. No database."""

import math

import pytest

from reports import stats, survival

# Hand-worked example: six patients, months of follow-up, + = censored:
#   1, 2+, 3, 3, 4+, 5
# t=1: n=6, d=1  S = 5/6                = 0.833333   Σ = 1/(6·5) = 0.033333
# t=2: censored, 5 remain
# t=3: n=4, d=2  S = 5/6 · 2/4 = 5/12   = 0.416667   Σ += 2/(4·2) → 0.283333
# t=4: censored, 1 remains
# t=5: n=1, d=1  S = 0
# Greenwood SE at 3: S·√Σ = 0.416667 · 0.532291 = 0.221788
# Log-log 95% CI at 1: σ = √0.033333 / |ln 0.833333| = 0.182574 / 0.182322 = 1.001386
#   θ = ln(−ln S) = ln 0.182322 = −1.701983
#   lower = exp(−exp(θ + 1.959964·σ)) = exp(−exp(0.260696)) = exp(−1.297834) = 0.273123
#   upper = exp(−exp(θ − 1.959964·σ)) = exp(−exp(−3.664663)) = exp(−0.025613) = 0.974712
# At 3: σ = 0.532291 / 0.875469 = 0.608006, θ = ln 0.875469 = −0.132996
#   lower = exp(−exp(1.058675)) = exp(−2.882549) = 0.055992
#   upper = exp(−exp(−1.324667)) = exp(−0.265892) = 0.766522
# Median: first S ≤ 0.5 → 3. Its limits: lower band first ≤ 0.5 at 1, upper band at 5.
HAND_TIMES = [1, 2, 3, 3, 4, 5]
HAND_EVENTS = [True, False, True, True, False, True]


def test_hand_worked_example():
    curve = survival.kaplan_meier(HAND_TIMES, HAND_EVENTS)
    steps = {s.time: s for s in curve.steps}
    assert [s.time for s in curve.steps] == [1, 2, 3, 4, 5]
    assert [(s.at_risk, s.events, s.censored) for s in curve.steps] == [
        (6, 1, 0),
        (5, 0, 1),
        (4, 2, 0),
        (2, 0, 1),
        (1, 1, 0),
    ]
    assert steps[1].survival == pytest.approx(5 / 6)
    assert steps[3].survival == pytest.approx(5 / 12)
    assert steps[5].survival == 0
    assert steps[3].std_err == pytest.approx(0.221788, abs=1e-6)
    assert (steps[1].lower, steps[1].upper) == (
        pytest.approx(0.273123, abs=1e-6),
        pytest.approx(0.974712, abs=1e-6),
    )
    assert (steps[3].lower, steps[3].upper) == (
        pytest.approx(0.055992, abs=1e-6),
        pytest.approx(0.766522, abs=1e-6),
    )
    # A censoring changes neither the estimate nor its interval.
    assert (steps[2].survival, steps[2].lower) == (steps[1].survival, steps[1].lower)
    assert (steps[5].lower, steps[5].upper, steps[5].std_err) == (0.0, 0.0, None)
    assert (curve.median, curve.median_lower, curve.median_upper) == (3, 1, 5)
    assert (curve.n, curve.events) == (6, 4)


def test_survival_at_and_numbers_at_risk():
    curve = survival.kaplan_meier(HAND_TIMES, HAND_EVENTS)
    assert curve.survival_at(0) == 1.0
    assert curve.survival_at(2.9) == pytest.approx(5 / 6)
    assert curve.survival_at(3) == pytest.approx(5 / 12)
    assert [curve.at_risk_at(t) for t in (0, 1, 3, 3.5, 5, 6)] == [6, 6, 4, 2, 1, 0]


# Freireich et al. 1963, 6-MP arm (weeks; Gehan 1965), the classic textbook example.
# Survival and Greenwood SE as printed in Kleinbaum & Klein, "Survival Analysis", and by R
# survival::survfit(conf.type = "log-log"), which also gives the limits and the median 23
# (lower limit 13, upper not reached).
SIX_MP_TIMES = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENTS = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
SIX_MP_TABLE = [
    # time, at risk, events, S, SE, lower, upper
    (6, 21, 3, 0.857, 0.0764, 0.620, 0.952),
    (7, 17, 1, 0.807, 0.0869, 0.563, 0.923),
    (10, 15, 1, 0.753, 0.0963, 0.503, 0.889),
    (13, 12, 1, 0.690, 0.1068, 0.432, 0.849),
    (16, 11, 1, 0.627, 0.1141, 0.368, 0.805),
    (22, 7, 1, 0.538, 0.1282, 0.268, 0.747),
    (23, 6, 1, 0.448, 0.1346, 0.188, 0.680),
]


def test_six_mp_textbook_values():
    curve = survival.kaplan_meier(SIX_MP_TIMES, [bool(e) for e in SIX_MP_EVENTS])
    event_steps = [s for s in curve.steps if s.events]
    assert len(event_steps) == len(SIX_MP_TABLE)
    for step, (t, n, d, s, se, lo, hi) in zip(event_steps, SIX_MP_TABLE, strict=True):
        assert (step.time, step.at_risk, step.events) == (t, n, d)
        assert round(step.survival, 3) == s
        assert round(step.std_err, 4) == se
        assert (round(step.lower, 3), round(step.upper, 3)) == (lo, hi)
    assert (curve.median, curve.median_lower, curve.median_upper) == (23, 13, None)


def test_all_censored_has_no_median():
    curve = survival.kaplan_meier([3, 5, 8], [False, False, False])
    assert curve.median is None and curve.events == 0
    assert all(s.survival == 1.0 and (s.lower, s.upper) == (1.0, 1.0) for s in curve.steps)


def test_empty_and_bad_input():
    assert survival.kaplan_meier([], []).steps == ()
    with pytest.raises(ValueError, match="same length"):
        survival.kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="≥ 0"):
        survival.kaplan_meier([-1], [True])
    with pytest.raises(ValueError, match="confidence"):
        survival.kaplan_meier([1], [True], confidence=1.5)


def test_narrower_confidence_gives_a_narrower_band():
    wide = survival.kaplan_meier(HAND_TIMES, HAND_EVENTS, confidence=0.95).steps[2]
    narrow = survival.kaplan_meier(HAND_TIMES, HAND_EVENTS, confidence=0.80).steps[2]
    assert wide.lower < narrow.lower < narrow.survival < narrow.upper < wide.upper


def test_plot_points_start_at_one_and_mark_censorings():
    points = survival.plot_points(survival.kaplan_meier(HAND_TIMES, HAND_EVENTS))
    assert points[0] == {"t": 0.0, "s": 1.0, "lower": 1.0, "upper": 1.0, "censored": False}
    assert [p["censored"] for p in points[1:]] == [False, True, False, True, False]
    assert points[3]["s"] == 0.4167


def test_against_lifelines_when_installed():
    lifelines = pytest.importorskip("lifelines")
    fitter = lifelines.KaplanMeierFitter().fit(SIX_MP_TIMES, SIX_MP_EVENTS)
    curve = survival.kaplan_meier(SIX_MP_TIMES, [bool(e) for e in SIX_MP_EVENTS])
    for step in curve.steps:
        assert step.survival == pytest.approx(fitter.survival_function_at_times(step.time).iloc[0])
    ci = fitter.confidence_interval_survival_function_
    for step in (s for s in curve.steps if s.events):
        assert step.lower == pytest.approx(ci.loc[step.time].iloc[0], abs=1e-6)
        assert step.upper == pytest.approx(ci.loc[step.time].iloc[1], abs=1e-6)


def test_median_iqr_and_percent():
    assert stats.median_iqr([]) == {"n": 0, "median": None, "q1": None, "q3": None}
    assert stats.median_iqr([7]) == {"n": 1, "median": 7, "q1": 7, "q3": 7}
    # R: quantile(c(10, 20, 30, 40, 100)) → 20, 30, 40
    assert stats.median_iqr([10, 20, 30, 40, 100]) == {"n": 5, "median": 30, "q1": 20, "q3": 40}
    assert stats.percent(1, 3) == 33.3
    assert stats.percent(1, 0) is None
    assert math.isclose(stats.median_iqr([1, 2])["median"], 1.5)


def test_thin_points_keeps_the_shape_within_the_budget():
    from reports.survival import thin_points

    points = [{"t": 0.0, "s": 1.0, "lower": 1.0, "upper": 1.0, "censored": False}]
    for i in range(1, 1001):
        points.append(
            {"t": i / 10, "s": 1 - i / 1000, "lower": 0.0, "upper": 1.0, "censored": i % 7 == 0}
        )
    thinned = thin_points(points, 100)
    assert len(thinned) <= 101
    assert thinned[0] == points[0] and thinned[-1]["t"] == 100.0 and thinned[-1]["s"] == 0.0
    # Each kept point is a real point of the curve (its value at the end of its bin), in order.
    assert all(a["t"] < b["t"] for a, b in zip(thinned, thinned[1:], strict=False))
    by_time = {p["t"]: p["s"] for p in points}
    assert all(by_time[p["t"]] == p["s"] for p in thinned)
    assert any(p["censored"] for p in thinned)
    assert thin_points(points[:50], 100) == points[:50]


# --- Median on a plateau exactly at 0.5: R survival's quantile.survfit (issue 16 item 11) ------


def test_median_on_a_plateau_at_half_is_its_midpoint_as_r_quantile_survfit():
    """R: median(survfit(Surv(1:4) ~ 1)) is 2.5 — S is exactly 0.5 from 2 until the drop at 3."""
    curve = survival.kaplan_meier([1, 2, 3, 4], [True, True, True, True])
    assert curve.median == 2.5


def test_median_on_a_plateau_at_half_to_the_end_uses_the_last_time_as_r():
    """R's findq: a flat at 0.5 at the end of the curve runs to the last time (xmax), so
    survfit(Surv(c(1, 2, 3, 4), c(1, 1, 0, 0))) has median (2 + 4) / 2 = 3."""
    curve = survival.kaplan_meier([1, 2, 3, 4], [True, True, False, False])
    assert curve.median == 3


def test_median_crossing_below_half_is_the_first_time_at_or_below():
    curve = survival.kaplan_meier([1, 2, 3], [True, True, True])  # 2/3, 1/3, 0
    assert curve.median == 2
