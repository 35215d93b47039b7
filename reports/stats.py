"""Small descriptive statistics for the dashboard. Pure: numbers in, numbers out."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median, quantiles


def median_iqr(values: Sequence[float]) -> dict:
    """n, median and interquartile range (inclusive method, as in R's default type 7)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "median": None, "q1": None, "q3": None}
    if n == 1:
        return {"n": 1, "median": values[0], "q1": values[0], "q3": values[0]}
    q1, _, q3 = quantiles(values, n=4, method="inclusive")
    return {"n": n, "median": median(values), "q1": q1, "q3": q3}


def percent(part: int, whole: int) -> float | None:
    """part / whole as a percentage with one decimal; None when there is no denominator."""
    if not whole:
        return None
    return round(100 * part / whole, 1)
