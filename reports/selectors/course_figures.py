"""What the dashboard needs of each course, read from the course's records (its assessments,
interventions, follow-up visits and stage timeline) in a few grouped queries of plain values:
for every course at once (the full recompute, kept as the reference) or for the courses
whose records changed (the per-course figures, reports.models.CourseFigures)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext_lazy

from followup import outcomes
from followup.models import FollowUpVisit, SubsequentTherapy
from monitoring.models import Assessment, Intervention, InterventionKind
from patients.models import StageEvent

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


def outcome_inputs(infused: QuerySet) -> dict[int, _CourseInputs]:
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
    return courses


@dataclass(frozen=True)
class CourseResult:
    """One infused course as the dashboard counts it: toxicity, treatments and outcome."""

    product: str
    assessment_count: int
    crs_max: int | None
    icans_max: int | None
    toci_doses: int
    steroid_doses: int
    icu_transfers: int
    # None: the course's follow-up records contradict each other (a data issue).
    best_response: str | None = None
    pfs: tuple[int, bool] | None = None  # (days, event)
    os: tuple[int, bool] | None = None
    issue: bool = False


def course_result(course: _CourseInputs, convention: str) -> CourseResult:
    """The course's outcome (followup/outcomes.py) with its toxicity counts."""
    counts = {
        "product": course.product,
        "assessment_count": course.assessment_count,
        "crs_max": course.crs_max,
        "icans_max": course.icans_max,
        "toci_doses": course.toci_doses,
        "steroid_doses": course.steroid_doses,
        "icu_transfers": course.icu_transfers,
    }
    try:
        outcome = outcomes.course_outcome(
            day0=course.day0, assessments=course.visits, pfs_censoring=convention
        )
    except ValueError:
        # Contradictory records: counted as a data issue, as in the registry.
        return CourseResult(**counts, issue=True)
    return CourseResult(
        **counts,
        best_response=outcome.best_response,
        pfs=(outcome.pfs.days, outcome.pfs.event),
        os=(outcome.os.days, outcome.os.event),
    )


# --- Per-course figures (reports.models.CourseFigures) ------------------------------------


def interval_days(dates: dict[str, date]) -> list[int | None]:
    """A course's days between stages, one per INTERVALS (None: not both reached, or the end
    before the start), from its stage_dates()."""
    return [
        (dates[end] - dates[start]).days
        if start in dates and end in dates and dates[end] >= dates[start]
        else None
        for _key, _label, start, end in INTERVALS
    ]


def figures_of(courses: QuerySet, convention: str) -> dict[int, dict]:
    """The CourseFigures fields of each course, read from its records: the days between its
    stages for every course, toxicity counts and outcome for the infused ones."""
    figures = {
        pk: {"interval_days": interval_days(dates), "pfs_censoring": convention}
        for pk, dates in stage_dates(courses).items()
    }
    infused = courses.filter(day0_date__isnull=False)
    for pk, inputs in outcome_inputs(infused).items():
        result = course_result(inputs, convention)
        figures[pk].update(
            assessment_count=result.assessment_count,
            crs_max_grade=result.crs_max,
            icans_max_grade=result.icans_max,
            tocilizumab_doses=result.toci_doses,
            corticosteroid_doses=result.steroid_doses,
            icu_transfers=result.icu_transfers,
            outcome_issue=result.issue,
            best_response=result.best_response or "",
            pfs_days=result.pfs[0] if result.pfs else None,
            pfs_event=result.pfs[1] if result.pfs else None,
            os_days=result.os[0] if result.os else None,
            os_event=result.os[1] if result.os else None,
        )
    return figures
