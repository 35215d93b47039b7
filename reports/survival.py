"""Kaplan–Meier survival estimates, pure Python (no Django, no numpy).

Conventions (state them beside any curve shown):
- Product-limit estimator S(t) = Π (1 − d_i / n_i) over event times t_i ≤ t (Kaplan & Meier,
  J Am Stat Assoc 1958;53:457). A time with both events and censorings counts the events
  first: those censored at t were at risk at t.
- Variance by Greenwood's formula, Var[S(t)] = S(t)² Σ d_i / (n_i (n_i − d_i)).
- 95% confidence interval by the log-log transform (Kalbfleisch & Prentice 1980):
  S(t)^exp(±z·σ) with σ = √(Σ d_i / (n_i (n_i − d_i))) / |ln S(t)|. It stays inside 0–1;
  it is R survival's conf.type = "log-log" and the interval lifelines reports.
- Median: the first time S(t) ≤ 0.5 (None when the curve never gets there). Its confidence
  limits are the first times at which the lower and the upper limit of the band reach 0.5
  (Brookmeyer & Crowley, Biometrics 1982; R survival's rule), None when they never do.
- A curve (or band limit) that sits exactly at 0.5 on a plateau: the midpoint of the plateau,
  from the time it reaches 0.5 to the next time it drops below (or to the last observed
  time when it never does), as R survival's quantile.survfit does (its `findq`, within a
  tolerance of √machine-epsilon) (issue 16 item 11).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Step:
    """The curve at one distinct observed time."""

    time: float
    at_risk: int
    events: int
    censored: int
    survival: float
    std_err: float | None  # Greenwood; None where S = 0 after the last subject fails
    lower: float
    upper: float


@dataclass(frozen=True)
class Curve:
    n: int
    events: int
    steps: tuple[Step, ...]
    median: float | None
    median_lower: float | None
    median_upper: float | None
    confidence: float

    def survival_at(self, time: float) -> float:
        """S(t): the value of the step function at t (1 before the first event)."""
        value = 1.0
        for step in self.steps:
            if step.time > time:
                break
            value = step.survival
        return value

    def at_risk_at(self, time: float) -> int:
        """Number at risk at t: still followed, with no event nor censoring before t."""
        return sum(s.events + s.censored for s in self.steps if s.time >= time)


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _log_log_interval(survival: float, greenwood_sum: float, z: float) -> tuple[float, float]:
    if survival >= 1.0:
        return 1.0, 1.0
    if survival <= 0.0 or math.isinf(greenwood_sum):
        return 0.0, 0.0
    log_s = math.log(survival)
    sigma = math.sqrt(greenwood_sum) / abs(log_s)
    theta = math.log(-log_s)
    lower = math.exp(-math.exp(theta + z * sigma))
    upper = math.exp(-math.exp(theta - z * sigma))
    return lower, upper


def kaplan_meier(
    times: Sequence[float], events: Sequence[bool], *, confidence: float = 0.95
) -> Curve:
    """The Kaplan–Meier curve of follow-up times (event True, censored False)."""
    if len(times) != len(events):
        raise ValueError("times and events must have the same length")
    if any(t is None or t < 0 or math.isnan(t) for t in times):
        raise ValueError("times must be numbers ≥ 0")
    z = _z(confidence)
    pairs = sorted(zip(times, (bool(e) for e in events), strict=True))
    at_risk = len(pairs)
    survival = 1.0
    greenwood_sum = 0.0
    steps: list[Step] = []
    i = 0
    while i < len(pairs):
        time = pairs[i][0]
        d = c = 0
        while i < len(pairs) and pairs[i][0] == time:
            if pairs[i][1]:
                d += 1
            else:
                c += 1
            i += 1
        if d:
            survival *= 1 - d / at_risk
            greenwood_sum += math.inf if d == at_risk else d / (at_risk * (at_risk - d))
        lower, upper = _log_log_interval(survival, greenwood_sum, z)
        std_err = None if math.isinf(greenwood_sum) else survival * math.sqrt(greenwood_sum)
        steps.append(Step(time, at_risk, d, c, survival, std_err, lower, upper))
        at_risk -= d + c
    return Curve(
        n=len(pairs),
        events=sum(s.events for s in steps),
        steps=tuple(steps),
        median=_first_time_at_or_below(steps, "survival"),
        median_lower=_first_time_at_or_below(steps, "lower"),
        median_upper=_first_time_at_or_below(steps, "upper"),
        confidence=confidence,
    )


# R's quantile.survfit tolerance: sqrt(.Machine$double.eps).
_TOLERANCE = math.sqrt(2.220446049250313e-16)


def _first_time_at_or_below(steps: Sequence[Step], attribute: str) -> float | None:
    """The time the curve reaches 0.5; on a plateau exactly at 0.5, the plateau's midpoint."""
    for index, step in enumerate(steps):
        value = getattr(step, attribute)
        if value > 0.5 + _TOLERANCE:
            continue
        if abs(value - 0.5) >= _TOLERANCE:
            return step.time
        below = next(
            (s.time for s in steps[index + 1 :] if getattr(s, attribute) < 0.5 - _TOLERANCE),
            steps[-1].time,
        )
        return (step.time + below) / 2
    return None


def plot_points(curve: Curve) -> list[dict]:
    """Points of the step function for a chart: time 0 at 1, then one point per time."""
    points = [{"t": 0.0, "s": 1.0, "lower": 1.0, "upper": 1.0, "censored": False}]
    for step in curve.steps:
        points.append(
            {
                "t": step.time,
                "s": round(step.survival, 4),
                "lower": round(step.lower, 4),
                "upper": round(step.upper, 4),
                "censored": step.censored > 0 and step.events == 0,
            }
        )
    return points


def thin_points(points: list[dict], max_points: int) -> list[dict]:
    """At most about max_points of a step curve's points, for drawing: time is cut into
    max_points equal bins and each bin keeps its last point (the curve's value at the end of
    the bin), marked censored if any point in it was. The first and last points are kept.
    A chart a few hundred pixels wide cannot show more; the full table stays in the CSV."""
    if len(points) <= max_points:
        return points
    width = (points[-1]["t"] - points[0]["t"]) / max_points or 1.0
    kept = [points[0]]
    current, censored = None, False
    for point in points[1:]:
        bin_ = min(int((point["t"] - points[0]["t"]) / width), max_points - 1)
        if current is not None and bin_ != current[0]:
            kept.append({**current[1], "censored": censored})
            censored = False
        current = (bin_, point)
        censored = censored or point["censored"]
    kept.append({**current[1], "censored": censored})
    return kept
