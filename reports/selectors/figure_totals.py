"""The dashboard's totals read from the per-course figures (reports.models.CourseFigures) as
counts the database groups: per product, the courses of each kind (toxicity grade, treatment,
response, data issue); per product, the courses of each follow-up time and event; per
interval, the courses of each number of days. The recompute then reads a few hundred rows
instead of one per course, and builds no object per course (issue 20, item 5).

Every total is the one toxicity_and_outcomes and interval_summary make of the courses one by
one (dashboard_data_full, the reference): tests/reports/test_course_figures.py compares them."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

from django.db.models import CharField, Count, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast

from followup import outcomes

from ..models import CourseFigures
from .course_figures import INTERVALS

GRADES = (0, 1, 2, 3, 4)
RESPONSES = tuple(outcomes.RESPONSE_RANK)
ALL = "all"
ENDPOINTS = ("pfs", "os")

# A course's follow-up times of one product, as the survival curve needs them: sorted
# ((days, event, number of courses), …). A Kaplan–Meier curve depends on nothing else.
Histogram = tuple[tuple[int, bool, int], ...]


def _grade(field: str, grade: int) -> Q:
    # toxicity_and_outcomes counts an assessed course without a grade as grade 0.
    if grade == 0:
        return Q(**{f"figures__{field}__isnull": True}) | Q(**{f"figures__{field}": 0})
    return Q(**{f"figures__{field}": grade})


def _counted() -> dict[str, Count]:
    """The per-product counts, by name: one conditional COUNT each, in one grouped query."""
    assessed = Q(figures__assessment_count__gt=0)
    clean = Q(figures__outcome_issue=False)
    counts = {
        "infused": Count("pk"),
        "assessed": Count("pk", filter=assessed),
        "tocilizumab": Count("pk", filter=Q(figures__tocilizumab_doses__gt=0)),
        "steroids": Count("pk", filter=Q(figures__corticosteroid_doses__gt=0)),
        "icu": Count("pk", filter=Q(figures__icu_transfers__gt=0)),
        "issues": Count("pk", filter=Q(figures__outcome_issue=True)),
    }
    for key, field in (("crs", "crs_max_grade"), ("icans", "icans_max_grade")):
        for grade in GRADES:
            counts[f"{key}_{grade}"] = Count("pk", filter=assessed & _grade(field, grade))
    for response in RESPONSES:
        counts[f"response_{response}"] = Count(
            "pk", filter=clean & Q(figures__best_response=response)
        )
    return counts


def _empty_row(code: str) -> dict:
    return {
        "product": code,
        "infused": 0,
        "assessed": 0,
        "crs": Counter(),
        "icans": Counter(),
        "tocilizumab": 0,
        "steroids": 0,
        "icu": 0,
        "response_assessed": 0,
        "responses": Counter(),
        "issues": 0,
    }


def product_totals(infused: QuerySet) -> dict[str, dict]:
    """toxicity_and_outcomes' counts of every product present, and of ALL, keyed by product
    code (without the survival times: survival_histograms)."""
    counted = _counted()
    per: dict[str, dict] = {ALL: _empty_row(ALL)}
    rows = infused.order_by().values("product__code").annotate(**counted)
    for values in rows:
        code = values["product__code"]
        row = per[code] = _empty_row(code)
        for key in ("infused", "assessed", "tocilizumab", "steroids", "icu", "issues"):
            row[key] = values[key]
        for key in ("crs", "icans"):
            row[key] = Counter({g: values[f"{key}_{g}"] for g in GRADES if values[f"{key}_{g}"]})
        row["responses"] = Counter(
            {r: values[f"response_{r}"] for r in RESPONSES if values[f"response_{r}"]}
        )
        row["response_assessed"] = sum(row["responses"].values())
        total = per[ALL]
        for key in ("infused", "assessed", "tocilizumab", "steroids", "icu", "issues"):
            total[key] += row[key]
        for key in ("crs", "icans", "responses"):
            total[key].update(row[key])
        total["response_assessed"] += row["response_assessed"]
    return per


def survival_histograms(infused: QuerySet) -> dict[str, dict[str, Histogram]]:
    """For each endpoint ("pfs", "os"), for each product present and ALL, the courses of each
    follow-up time and event (one query: a union of one grouped count per endpoint); courses
    with contradictory records have no outcome."""
    clean = infused.filter(figures__outcome_issue=False).order_by()
    parts = [
        clean.annotate(endpoint=Value(endpoint, output_field=CharField()))
        .values_list(
            "endpoint", "product__code", f"figures__{endpoint}_days", f"figures__{endpoint}_event"
        )
        .annotate(n=Count("pk"))
        for endpoint in ENDPOINTS
    ]
    counts: dict[str, dict[str, Counter]] = {e: defaultdict(Counter) for e in ENDPOINTS}
    for endpoint, code, days, event, n in parts[0].union(*parts[1:], all=True):
        counts[endpoint][code][days, bool(event)] += n
        counts[endpoint][ALL][days, bool(event)] += n
    return {
        endpoint: {
            code: tuple((days, event, n) for (days, event), n in sorted(pairs.items()))
            for code, pairs in per_product.items()
        }
        for endpoint, per_product in counts.items()
    }


def interval_values(figures: QuerySet[CourseFigures]) -> list[list[int]]:
    """For each of INTERVALS, the days of every course that has it, sorted. One query of one
    short text a course (a grouped count per interval costs more: one scan of the table
    each), decoded as one flat array in one call: no list per course (thousands of small
    lists are what makes the garbage collector run)."""
    texts = list(figures.order_by().values_list(Cast("interval_days", TextField()), flat=True))
    days = json.loads("[" + ",".join([text[1:-1] for text in texts]) + "]")
    width = len(INTERVALS)
    if len(days) != width * len(texts):
        raise ValueError("a course's figures have not been computed")
    return [sorted([d for d in days[index::width] if d is not None]) for index in range(width)]
