"""Programme dashboard: aggregate numbers only, never a patient's identity."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from catalogue import selectors as catalogue_selectors
from followup import outcomes
from followup.selectors import pfs_censoring
from patients import rules as patient_rules
from patients.models import Stage, TreatmentCourse
from patients.selectors import stage_counts

from .. import stats, survival
from ..models import CourseFigures
from . import course_figures, figure_totals
from .course_figures import INTERVALS, CourseResult
from .figure_totals import ALL, GRADES

MONTHS_SHOWN = 12
AT_RISK_MONTHS = (0, 3, 6, 12, 18, 24)
# Points drawn per survival curve: the page's size must not grow with the number of patients
# (the full step table is in the curve CSV).
CHART_POINTS_PER_CURVE = 120


@dataclass(frozen=True)
class Scope:
    diagnosis: str = ""
    infused_from: date | None = None
    infused_to: date | None = None

    @property
    def key(self) -> str:
        """One stored dashboard snapshot per key ("all" when nothing is filtered)."""
        parts = [
            f"{name}={value.isoformat() if isinstance(value, date) else value}"
            for name, value in (
                ("diagnosis", self.diagnosis),
                ("infused_from", self.infused_from),
                ("infused_to", self.infused_to),
            )
            if value
        ]
        return ";".join(parts) or "all"


def scoped_courses(scope: Scope) -> QuerySet[TreatmentCourse]:
    courses = TreatmentCourse.objects.all()
    if scope.diagnosis:
        courses = courses.filter(patient__diagnosis=scope.diagnosis)
    return courses


def _scoped_figures(courses: QuerySet, scope: Scope) -> QuerySet[CourseFigures]:
    """The per-course figures of scoped_courses: every row when no diagnosis narrows them (a
    row exists only for a course, and is deleted with it; no join to read)."""
    if scope.diagnosis:
        return CourseFigures.objects.filter(course__in=courses.order_by().values("pk"))
    return CourseFigures.objects.all()


def _infused(courses: QuerySet, scope: Scope) -> QuerySet:
    infused = courses.filter(day0_date__isnull=False)
    if scope.infused_from:
        infused = infused.filter(day0_date__gte=scope.infused_from)
    if scope.infused_to:
        infused = infused.filter(day0_date__lte=scope.infused_to)
    return infused


def _month_keys(today: date, months: int = MONTHS_SHOWN) -> list[str]:
    year, month = today.year, today.month
    keys = []
    for _i in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return keys[::-1]


def monthly_counts(courses: QuerySet, today: date) -> dict:
    keys = _month_keys(today)
    first = date.fromisoformat(keys[0] + "-01")
    referrals = Counter(
        d.strftime("%Y-%m")
        for d in courses.filter(referred_on__gte=first).values_list("referred_on", flat=True)
    )
    infusions = Counter(
        d.strftime("%Y-%m")
        for d in courses.filter(day0_date__gte=first).values_list("day0_date", flat=True)
    )
    return {
        "months": keys,
        "referrals": [referrals.get(k, 0) for k in keys],
        "infusions": [infusions.get(k, 0) for k in keys],
    }


def interval_summary(per_course: Iterable[list]) -> list[dict]:
    """Median and IQR of each interval, from each course's interval_days()."""
    per_course = list(per_course)
    return _interval_rows(
        [course[index] for course in per_course if course[index] is not None]
        for index in range(len(INTERVALS))
    )


def _interval_rows(days_per_interval: Iterable[list[int]]) -> list[dict]:
    """Median and IQR of each interval, from the days of every course that has it."""
    return [
        {"key": key, "label": str(label), **stats.median_iqr(days)}
        for (key, label, _start, _end), days in zip(INTERVALS, days_per_interval, strict=True)
    ]


def _product_names(infused: QuerySet) -> list[tuple[str, str]]:
    return _named_products(set(infused.values_list("product__code", flat=True)))


def _named_products(codes) -> list[tuple[str, str]]:
    return list(
        catalogue_selectors.products().filter(code__in=codes).values_list("code", "short_name")
    )


def _groups(products: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(code, name) for code, name in products] + [(ALL, _("All products"))]


def toxicity_and_outcomes(
    results: Iterable[CourseResult], products: list[tuple[str, str]], convention: str
) -> dict:
    """Per product and overall: CRS/ICANS maximum grade, treatments, response, survival."""
    groups = _groups(products)
    per: dict[str, dict] = {
        code: {
            "product": code,
            "label": name,
            "infused": 0,
            "assessed": 0,
            "crs": Counter(),
            "icans": Counter(),
            "tocilizumab": 0,
            "steroids": 0,
            "icu": 0,
            "response_assessed": 0,
            "responses": Counter(),
            "pfs": ([], []),
            "os": ([], []),
            "issues": 0,
        }
        for code, name in groups
    }
    for course in results:
        for key in (course.product, ALL):
            row = per[key]
            row["infused"] += 1
            if course.assessment_count:
                row["assessed"] += 1
                row["crs"][course.crs_max or 0] += 1
                row["icans"][course.icans_max or 0] += 1
            row["tocilizumab"] += course.toci_doses > 0
            row["steroids"] += course.steroid_doses > 0
            row["icu"] += course.icu_transfers > 0
            if course.issue:
                row["issues"] += 1
                continue
            if course.best_response in outcomes.RESPONSE_RANK:
                row["response_assessed"] += 1
                row["responses"][course.best_response] += 1
            for name, (days, event) in (("pfs", course.pfs), ("os", course.os)):
                row[name][0].append(days / outcomes.DAYS_PER_MONTH)
                row[name][1].append(event)
    return {"groups": groups, "per": per, "pfs_censoring": convention}


def _grade_table(per: dict, groups, key: str) -> list[dict]:
    rows = []
    for code, label in groups:
        row = per[code]
        counts = [row[key].get(g, 0) for g in GRADES]
        rows.append(
            {
                "product": code,
                "label": label,
                "assessed": row["assessed"],
                "counts": counts,
                "percent": [stats.percent(c, row["assessed"]) for c in counts],
                "any_grade": stats.percent(sum(counts[1:]), row["assessed"]),
                "grade_3_plus": stats.percent(sum(counts[3:]), row["assessed"]),
            }
        )
    return rows


def _curve(times: list[float], events: list[bool]) -> dict:
    if not times:
        return {
            "n": 0,
            "events": 0,
            "median": None,
            "median_lower": None,
            "median_upper": None,
            "points": [],
            "all_points": [],
            "at_risk": [0 for _ in AT_RISK_MONTHS],
        }
    curve = survival.kaplan_meier(times, events)
    points = [{**p, "t": round(p["t"], 2)} for p in survival.plot_points(curve)]

    def r(value):
        return round(value, 1) if value is not None else None

    return {
        "n": curve.n,
        "events": curve.events,
        "median": r(curve.median),
        "median_lower": r(curve.median_lower),
        "median_upper": r(curve.median_upper),
        "points": survival.thin_points(points, CHART_POINTS_PER_CURVE),
        "all_points": points,
        "at_risk": [curve.at_risk_at(m) for m in AT_RISK_MONTHS],
        "survival_12m": round(curve.survival_at(12), 3) if curve.n else None,
    }


@lru_cache(maxsize=64)
def _curve_of_histogram(histogram: figure_totals.Histogram) -> dict:
    times: list[float] = []
    events: list[bool] = []
    for days, event, n in histogram:
        times.extend([days / outcomes.DAYS_PER_MONTH] * n)
        events.extend([event] * n)
    return _curve(times, events)


def _remembered_curve(histogram: figure_totals.Histogram) -> dict:
    """_curve of the courses' follow-up times and events, counted by time and event (a
    Kaplan–Meier curve depends on nothing else): remembered, since writes to assessments or
    interventions between two recomputes leave them as they were."""
    return {**_curve_of_histogram(histogram)}


@lru_cache(maxsize=64)
def _steps_digest(histogram: figure_totals.Histogram) -> str:
    """A digest of the curve's full step table as this process computes it (from the
    output, not the inputs: a change of the code computing curves changes it too)."""
    points = json.dumps(_curve_of_histogram(histogram)["all_points"], cls=DjangoJSONEncoder)
    return hashlib.sha256(points.encode()).hexdigest()


def split_curve_points(data: dict) -> dict:
    """Take the full survival step tables out of the dashboard's figures (the page draws the
    thinned points; the curve CSV reads the full ones): {"pfs": {product: points}, "os": …}."""
    return {key: {c["product"]: c.pop("all_points") for c in data[key]} for key in ("pfs", "os")}


def dashboard_data(*, today: date, scope: Scope = Scope()) -> dict:
    """Every figure of the dashboard from the per-course figures (CourseFigures, which the
    recompute refreshes first: course_figures_refresh), counted by the database
    (figure_totals); the survival curves carry their full step tables in "all_points" (see
    split_curve_points)."""
    return dashboard_figures(today=today, scope=scope)[0]


def dashboard_figures(*, today: date, scope: Scope = Scope()) -> tuple[dict, str]:
    """dashboard_data, and a digest of its survival curves' full step tables (what
    split_curve_points takes out): the recompute stores them again only when it changed."""
    courses = scoped_courses(scope)
    infused = _infused(courses, scope)
    per = figure_totals.product_totals(infused)
    for row in per.values():
        row["pfs"] = row["os"] = ((),)
    for endpoint, histograms in figure_totals.survival_histograms(infused).items():
        for code, histogram in histograms.items():
            per[code][endpoint] = (histogram,)
    groups = _groups(_named_products(set(per) - {ALL}))
    summary = {"groups": groups, "per": per, "pfs_censoring": pfs_censoring()}
    intervals = _interval_rows(figure_totals.interval_values(_scoped_figures(courses, scope)))
    steps = [
        (endpoint, code, _steps_digest(*per[code][endpoint]))
        for endpoint in ("pfs", "os")
        for code, _label in groups
    ]
    digest = hashlib.sha256(repr(steps).encode()).hexdigest()
    return _figures(today, courses, intervals, summary, curve=_remembered_curve), digest


def dashboard_data_full(*, today: date, scope: Scope = Scope()) -> dict:
    """dashboard_data read from every course's whole history (the recompute before the
    per-course figures): the reference the figures are tested and measured against."""
    courses = scoped_courses(scope)
    infused = _infused(courses, scope)
    convention = pfs_censoring()
    inputs = course_figures.outcome_inputs(infused)
    results = [course_figures.course_result(c, convention) for c in inputs.values()]
    summary = toxicity_and_outcomes(results, _product_names(infused), convention)
    intervals = map(course_figures.interval_days, course_figures.stage_dates(courses).values())
    return _figures(today, courses, interval_summary(intervals), summary)


def _figures(
    today: date, courses: QuerySet, intervals: list[dict], summary: dict, *, curve=_curve
) -> dict:
    groups, per = summary["groups"], summary["per"]
    return {
        "today": today.isoformat(),
        "stages": [
            {"stage": stage, "label": str(label), "count": count}
            for stage, label, count in stage_counts(courses)
        ],
        "monthly": monthly_counts(courses, today),
        "intervals": intervals,
        "grades": list(GRADES),
        "crs": _grade_table(per, groups, "crs"),
        "icans": _grade_table(per, groups, "icans"),
        "treatments": [
            {
                "product": code,
                "label": label,
                "infused": per[code]["infused"],
                "tocilizumab": per[code]["tocilizumab"],
                "tocilizumab_percent": stats.percent(
                    per[code]["tocilizumab"], per[code]["infused"]
                ),
                "steroids": per[code]["steroids"],
                "steroids_percent": stats.percent(per[code]["steroids"], per[code]["infused"]),
                "icu": per[code]["icu"],
                "icu_percent": stats.percent(per[code]["icu"], per[code]["infused"]),
            }
            for code, label in groups
        ],
        "response": [
            {
                "product": code,
                "label": label,
                "infused": per[code]["infused"],
                "response_assessed": per[code]["response_assessed"],
                **{r: per[code]["responses"].get(r, 0) for r in ("CR", "PR", "SD", "PD")},
                "orr_percent": stats.percent(
                    per[code]["responses"]["CR"] + per[code]["responses"]["PR"],
                    per[code]["infused"],
                ),
                "cr_percent": stats.percent(per[code]["responses"]["CR"], per[code]["infused"]),
                "data_issues": per[code]["issues"],
            }
            for code, label in groups
        ],
        "at_risk_months": list(AT_RISK_MONTHS),
        # The PFS censoring convention these figures were computed with (setting PFS_CENSORING).
        "pfs_censoring": summary["pfs_censoring"],
        "pfs": [
            {"product": code, "label": label, **curve(*per[code]["pfs"])} for code, label in groups
        ],
        "os": [
            {"product": code, "label": label, **curve(*per[code]["os"])} for code, label in groups
        ],
        "stage_labels": {value: str(label) for value, label in Stage.choices},
        "terminal_stages": sorted(patient_rules.TERMINAL_STAGES),
    }
