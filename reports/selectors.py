"""Programme dashboard: aggregate numbers only, never a patient's identity."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue import selectors as catalogue_selectors
from followup import outcomes
from followup.models import FollowUpVisit, SubsequentTherapy
from followup.selectors import pfs_censoring
from monitoring.models import Assessment, Intervention, InterventionKind
from patients import rules as patient_rules
from patients.models import Stage, StageEvent, TreatmentCourse
from patients.selectors import stage_counts

from . import stats, survival
from .access import can_export_identifiable

MONTHS_SHOWN = 12
GRADES = (0, 1, 2, 3, 4)
AT_RISK_MONTHS = (0, 3, 6, 12, 18, 24)
# Points drawn per survival curve: the page's size must not grow with the number of patients
# (the full step table is in the curve CSV).
CHART_POINTS_PER_CURVE = 120
ALL = "all"

# Times between stages: (key, label, start, end). "referred" is the course's referral date,
# "infusion" its Day 0, any other name the first date the course entered that stage.
INTERVALS = (
    ("referral_to_infusion", gettext_lazy("Referral → infusion"), "referred", "infusion"),
    ("referral_to_screening", gettext_lazy("Referral → screening"), "referred", "screening"),
    ("screening_to_eligible", gettext_lazy("Screening → eligible"), "screening", "eligible"),
    ("eligible_to_consent", gettext_lazy("Eligible → consent"), "eligible", "consented"),
    ("consent_to_apheresis", gettext_lazy("Consent → apheresis"), "consented", "apheresis"),
    (
        "apheresis_to_infusion",
        gettext_lazy("Apheresis → infusion (vein to vein)"),
        "apheresis",
        "infusion",
    ),
    (
        "lymphodepletion_to_infusion",
        gettext_lazy("Lymphodepletion → infusion"),
        "lymphodepletion",
        "infusion",
    ),
    (
        "infusion_to_follow_up",
        gettext_lazy("Infusion → end of monitoring"),
        "infusion",
        "follow_up",
    ),
)


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


def course_for_export(user, pk) -> TreatmentCourse:
    """A course for an identifiable export (FHIR): auditors and clinicians reach every course;
    anyone else, administrators included, gets 404."""
    if not can_export_identifiable(user):
        raise Http404
    try:
        return TreatmentCourse.objects.select_related("patient", "product").get(pk=pk)
    except (TreatmentCourse.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def scoped_courses(scope: Scope) -> QuerySet[TreatmentCourse]:
    courses = TreatmentCourse.objects.all()
    if scope.diagnosis:
        courses = courses.filter(patient__diagnosis=scope.diagnosis)
    return courses


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


def stage_dates(courses: QuerySet) -> dict[int, dict[str, date]]:
    """For each course, the first date it entered each stage, plus referral and Day 0."""
    dates: dict[int, dict[str, date]] = defaultdict(dict)
    for course_id, referred_on, day0 in courses.values_list("pk", "referred_on", "day0_date"):
        dates[course_id]["referred"] = referred_on
        if day0:
            dates[course_id]["infusion"] = day0
    firsts = (
        StageEvent.objects.filter(course__in=courses.values("pk"))
        .values_list("course_id", "to_stage")
        .annotate(first=Min("effective_date"))
        .order_by()
    )
    for course_id, stage, first in firsts:
        dates[course_id].setdefault(stage, first)
    return dates


def interval_summary(dates: dict[int, dict[str, date]]) -> list[dict]:
    rows = []
    for key, label, start, end in INTERVALS:
        days = [
            (d[end] - d[start]).days
            for d in dates.values()
            if start in d and end in d and d[end] >= d[start]
        ]
        rows.append({"key": key, "label": str(label), **stats.median_iqr(days)})
    return rows


def _product_names(infused: QuerySet) -> list[tuple[str, str]]:
    codes = set(infused.values_list("product__code", flat=True))
    return [(p.code, p.short_name) for p in catalogue_selectors.products().filter(code__in=codes)]


@dataclass
class _CourseInputs:
    """What the dashboard needs of one infused course, as plain values."""

    product: str
    day0: date
    assessment_count: int = 0
    crs_max: int | None = None
    icans_max: int | None = None
    toci_doses: int = 0
    steroid_doses: int = 0
    icu_transfers: int = 0
    visits: list = field(default_factory=list)


def _outcome_inputs(infused: QuerySet) -> list[_CourseInputs]:
    """Every infused course's toxicity counts and follow-up records, in five grouped queries
    of plain values (no model instances: the dashboard reads thousands of courses)."""
    courses = {
        pk: _CourseInputs(product=product, day0=day0)
        for pk, product, day0 in infused.order_by().values_list("pk", "product__code", "day0_date")
    }
    ids = infused.order_by().values("pk")
    for course_id, n, crs, icans in (
        Assessment.objects.filter(course__in=ids)
        .order_by()
        .values_list("course")
        .annotate(Count("id"), Max("crs_grade"), Max("icans_grade"))
    ):
        course = courses[course_id]
        course.assessment_count, course.crs_max, course.icans_max = n, crs, icans
    counted = {
        InterventionKind.TOCILIZUMAB: "toci_doses",
        InterventionKind.CORTICOSTEROID: "steroid_doses",
        InterventionKind.ICU_TRANSFER: "icu_transfers",
    }
    for course_id, kind, n in (
        Intervention.objects.filter(course__in=ids, kind__in=list(counted))
        .order_by()
        .values_list("course", "kind")
        .annotate(Count("id"))
    ):
        setattr(courses[course_id], counted[kind], n)
    therapy_starts = dict(
        SubsequentTherapy.objects.filter(visit__course__in=ids)
        .order_by()
        .values_list("visit")
        .annotate(Min("start_date"))
    )
    for pk, course_id, on, response, vital_status, death_date in (
        FollowUpVisit.objects.filter(course__in=ids)
        .order_by("course", "visit_date", "id")
        .values_list("pk", "course", "visit_date", "lugano_response", "vital_status", "death_date")
    ):
        courses[course_id].visits.append(
            outcomes.Assessment(
                on=on,
                response=response,
                vital_status=vital_status,
                death_date=death_date,
                new_therapy_start=therapy_starts.get(pk),
            )
        )
    return list(courses.values())


def toxicity_and_outcomes(infused: QuerySet) -> dict:
    """Per product and overall: CRS/ICANS maximum grade, treatments, response, survival."""
    products = _product_names(infused)
    groups = [(code, name) for code, name in products] + [(ALL, _("All products"))]
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
    convention = pfs_censoring()
    for course in _outcome_inputs(infused):
        try:
            outcome = outcomes.course_outcome(
                day0=course.day0, assessments=course.visits, pfs_censoring=convention
            )
        except ValueError:
            outcome = None  # contradictory records: counted as a data issue, as in the registry
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
            if outcome is None:
                row["issues"] += 1
                continue
            if outcome.best_response in outcomes.RESPONSE_RANK:
                row["response_assessed"] += 1
                row["responses"][outcome.best_response] += 1
            for name, time in (("pfs", outcome.pfs), ("os", outcome.os)):
                row[name][0].append(time.days / outcomes.DAYS_PER_MONTH)
                row[name][1].append(time.event)
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


def split_curve_points(data: dict) -> dict:
    """Take the full survival step tables out of the dashboard's figures (the page draws the
    thinned points; the curve CSV reads the full ones): {"pfs": {product: points}, "os": …}."""
    return {key: {c["product"]: c.pop("all_points") for c in data[key]} for key in ("pfs", "os")}


def dashboard_data(*, today: date, scope: Scope = Scope()) -> dict:
    """Every figure of the dashboard; the survival curves carry their full step tables in
    "all_points" (see split_curve_points)."""
    courses = scoped_courses(scope)
    infused = _infused(courses, scope)
    summary = toxicity_and_outcomes(infused)
    groups, per = summary["groups"], summary["per"]
    return {
        "today": today.isoformat(),
        "stages": [
            {"stage": stage, "label": str(label), "count": count}
            for stage, label, count in stage_counts(courses)
        ],
        "monthly": monthly_counts(courses, today),
        "intervals": interval_summary(stage_dates(courses)),
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
            {"product": code, "label": label, **_curve(*per[code]["pfs"])} for code, label in groups
        ],
        "os": [
            {"product": code, "label": label, **_curve(*per[code]["os"])} for code, label in groups
        ],
        "stage_labels": {value: str(label) for value, label in Stage.choices},
        "terminal_stages": sorted(patient_rules.TERMINAL_STAGES),
    }


PFS_CENSORING_TEXT = {
    outcomes.PFS_FDA_2018: gettext_lazy(
        "PFS censoring: FDA 2018 (Clinical Trial Endpoints guidance) — a new anti-cancer "
        "therapy before progression censors PFS at the last adequate response assessment "
        "before it."
    ),
    outcomes.PFS_EMA: gettext_lazy(
        "PFS censoring: EMA (anticancer guideline, Appendix 1 on PFS) — a new anti-cancer "
        "therapy does not censor; progression or death counts whatever therapy came before."
    ),
}
MEDIAN_RULE_TEXT = gettext_lazy(
    "Median: the first time the curve reaches 0.5; where it sits exactly at 0.5 on a "
    "plateau, the midpoint of the plateau, as R's quantile.survfit does."
)


def pfs_censoring_text(data: dict) -> str:
    """The convention the stored figures were computed with, in words (older snapshots that
    did not record it were computed under FDA 2018, the only convention then)."""
    return str(PFS_CENSORING_TEXT[data.get("pfs_censoring", outcomes.PFS_FDA_2018)])


def dashboard_tables(data: dict) -> list[dict]:
    """Every chart's numbers as a table (key, title, header, rows): shown under the chart
    and offered as CSV."""
    grades = [_("Grade %(g)s") % {"g": g} for g in GRADES]

    def grade_rows(rows):
        return [
            [
                r["label"],
                r["assessed"],
                *[
                    f"{c} ({p if p is not None else '–'}%)"
                    for c, p in zip(r["counts"], r["percent"], strict=True)
                ],
                r["any_grade"],
                r["grade_3_plus"],
            ]
            for r in rows
        ]

    def km_rows(curves):
        return [
            [
                c["label"],
                c["n"],
                c["events"],
                c["median"],
                c["median_lower"],
                c["median_upper"],
                *c["at_risk"],
            ]
            for c in curves
        ]

    at_risk = [_("At risk, month %(m)s") % {"m": m} for m in AT_RISK_MONTHS]
    km_header = [
        _("Product"),
        _("Patients"),
        _("Events"),
        _("Median (months)"),
        # xgettext:no-python-format
        _("Median, lower 95% limit (months)"),
        # xgettext:no-python-format
        _("Median, upper 95% limit (months)"),
        *at_risk,
    ]
    return [
        {
            "key": "stages",
            "title": _("Courses per stage"),
            "header": [_("Stage"), _("Courses")],
            "rows": [[s["label"], s["count"]] for s in data["stages"]],
        },
        {
            "key": "monthly",
            "title": _("Referrals and infusions per month"),
            "header": [_("Month"), _("Referrals"), _("Infusions")],
            "rows": [
                [m, r, i]
                for m, r, i in zip(
                    data["monthly"]["months"],
                    data["monthly"]["referrals"],
                    data["monthly"]["infusions"],
                    strict=True,
                )
            ],
        },
        {
            "key": "intervals",
            "title": _("Days between stages"),
            "header": [
                _("Interval"),
                _("Courses"),
                _("Median (days)"),
                _("Q1 (days)"),
                _("Q3 (days)"),
            ],
            "rows": [
                [i["label"], i["n"], i["median"], i["q1"], i["q3"]] for i in data["intervals"]
            ],
        },
        {
            "key": "crs",
            "title": _("CRS by maximum grade (ASTCT)"),
            "header": [
                _("Product"),
                _("Assessed"),
                *grades,
                _("Any grade (%)"),
                _("Grade ≥ 3 (%)"),
            ],
            "rows": grade_rows(data["crs"]),
        },
        {
            "key": "icans",
            "title": _("ICANS by maximum grade (ASTCT)"),
            "header": [
                _("Product"),
                _("Assessed"),
                *grades,
                _("Any grade (%)"),
                _("Grade ≥ 3 (%)"),
            ],
            "rows": grade_rows(data["icans"]),
        },
        {
            "key": "treatments",
            "title": _("Tocilizumab, corticosteroids and ICU transfer"),
            "header": [
                _("Product"),
                _("Infused"),
                _("Tocilizumab (n)"),
                _("Tocilizumab (%)"),
                _("Corticosteroids (n)"),
                _("Corticosteroids (%)"),
                _("ICU transfer (n)"),
                _("ICU transfer (%)"),
            ],
            "rows": [
                [
                    t["label"],
                    t["infused"],
                    t["tocilizumab"],
                    t["tocilizumab_percent"],
                    t["steroids"],
                    t["steroids_percent"],
                    t["icu"],
                    t["icu_percent"],
                ]
                for t in data["treatments"]
            ],
        },
        {
            "key": "response",
            "title": _("Best response (Lugano 2014)"),
            "header": [
                _("Product"),
                _("Infused"),
                _("Response assessed"),
                "CR",
                "PR",
                "SD",
                "PD",
                _("ORR (%)"),
                _("CR rate (%)"),
            ],
            "rows": [
                [
                    r["label"],
                    r["infused"],
                    r["response_assessed"],
                    r["CR"],
                    r["PR"],
                    r["SD"],
                    r["PD"],
                    r["orr_percent"],
                    r["cr_percent"],
                ]
                for r in data["response"]
            ],
        },
        {
            "key": "pfs",
            "title": _("Progression-free survival (Kaplan–Meier)"),
            "header": km_header,
            "rows": km_rows(data["pfs"]),
        },
        {
            "key": "os",
            "title": _("Overall survival (Kaplan–Meier)"),
            "header": km_header,
            "rows": km_rows(data["os"]),
        },
    ]


def km_curve_rows(curve_points: dict, key: str) -> tuple[list[str], list[list]]:
    """The full step table of a survival chart (for its CSV): one row per time and product."""
    header = ["product", "time_months", "survival", "lower_95ci", "upper_95ci"]
    rows = [
        [product, p["t"], p["s"], p["lower"], p["upper"]]
        for product, points in curve_points[key].items()
        for p in points
    ]
    return header, rows
