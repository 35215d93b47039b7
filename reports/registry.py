"""Per-course registry and outcome rows (docs/registry_dataset.md documents every field).

Outcomes come from followup/outcomes.py (best response, PFS and OS with censoring); toxicity
from the monitoring assessments and interventions; dates from the stage timeline.
"""

from __future__ import annotations

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from followup import outcomes
from followup import selectors as followup_selectors
from followup.models import FollowUpVisit, VitalStatus
from monitoring.models import Assessment, Intervention, InterventionKind
from patients import rules as patient_rules
from patients.models import StageEvent, TreatmentCourse

from .datasets import local_day


def _aggregate(model, value, **filters) -> Subquery:
    """One aggregate of a course's rows, as a subquery (no join fan-out between tables)."""
    return Subquery(
        model.objects.filter(course=OuterRef("pk"), **filters)
        .order_by()
        .values("course")
        .annotate(v=value)
        .values("v")[:1]
    )


def _first_stage_date(stage: str) -> Subquery:
    return Subquery(
        StageEvent.objects.filter(course=OuterRef("pk"), to_stage=stage)
        .order_by("effective_date", "pk")
        .values("effective_date")[:1]
    )


def _visits_prefetch() -> Prefetch:
    return Prefetch(
        "followup_visits",
        queryset=FollowUpVisit.objects.order_by("visit_date", "id").prefetch_related("therapies"),
    )


def outcome_courses() -> QuerySet[TreatmentCourse]:
    """Infused courses with their follow-up visits (and new therapies) prefetched."""
    return (
        TreatmentCourse.objects.filter(day0_date__isnull=False)
        .select_related("patient", "product")
        .prefetch_related(_visits_prefetch())
        .order_by("pk")
    )


OUTCOME_HEADERS = [
    "course_id",
    "mrn",
    "product",
    "diagnosis",
    "day0_date",
    "best_response",
    "best_response_date",
    "progression_date",
    "death_date",
    "last_known_alive_date",
    "lost_to_follow_up",
    "new_therapy_start_date",
    "pfs_days",
    "pfs_event",
    "pfs_end_reason",
    "os_days",
    "os_event",
    "data_issue",
]


def _outcome_values(outcome: outcomes.Outcome | None, issue: str) -> list:
    if outcome is None:
        return [None] * 12 + [issue]
    return [
        outcome.best_response,
        outcome.best_response_date,
        outcome.progression_date,
        outcome.death_date,
        outcome.last_known_alive,
        outcome.lost_to_follow_up,
        outcome.new_therapy_start,
        outcome.pfs.days,
        outcome.pfs.event,
        outcome.pfs.kind,
        outcome.os.days,
        outcome.os.event,
        "",
    ]


def course_outcome_or_issue(course: TreatmentCourse) -> tuple[outcomes.Outcome | None, str]:
    """Follow-up's outcome of the course (its visits prefetched), or None with the reason
    when its records contradict each other: the export names the data issue."""
    try:
        return followup_selectors.course_outcome(course, list(course.followup_visits.all())), ""
    except ValueError as error:
        return None, str(error)


def outcome_row(course: TreatmentCourse) -> list:
    outcome, issue = course_outcome_or_issue(course)
    return [
        course.pk,
        course.patient.mrn,
        course.product.code,
        course.patient.diagnosis,
        course.day0_date,
        *_outcome_values(outcome, issue),
    ]


def registry_courses() -> QuerySet[TreatmentCourse]:
    toci = {"kind": InterventionKind.TOCILIZUMAB}
    steroid = {"kind": InterventionKind.CORTICOSTEROID}
    return outcome_courses().annotate(
        apheresis_on=_first_stage_date(patient_rules.APHERESIS),
        bridging_on=_first_stage_date(patient_rules.BRIDGING),
        lymphodepletion_on=_first_stage_date(patient_rules.LYMPHODEPLETION),
        crs_max=_aggregate(Assessment, Max("crs_grade")),
        crs_onset_at=_aggregate(Assessment, Min("assessed_at"), crs_grade__gte=1),
        crs_max_at=Subquery(
            Assessment.objects.filter(course=OuterRef("pk"), crs_grade__gte=1)
            .order_by("-crs_grade", "assessed_at")
            .values("assessed_at")[:1]
        ),
        icans_max=_aggregate(Assessment, Max("icans_grade")),
        icans_onset_at=_aggregate(Assessment, Min("assessed_at"), icans_grade__gte=1),
        icans_max_at=Subquery(
            Assessment.objects.filter(course=OuterRef("pk"), icans_grade__gte=1)
            .order_by("-icans_grade", "assessed_at")
            .values("assessed_at")[:1]
        ),
        assessment_count=Coalesce(_aggregate(Assessment, Count("id")), 0),
        toci_doses=Coalesce(_aggregate(Intervention, Count("id"), **toci), 0),
        toci_first_at=_aggregate(Intervention, Min("given_at"), **toci),
        steroid_doses=Coalesce(_aggregate(Intervention, Count("id"), **steroid), 0),
        steroid_first_at=_aggregate(Intervention, Min("given_at"), **steroid),
        anakinra_given=Coalesce(
            _aggregate(Intervention, Count("id"), kind=InterventionKind.ANAKINRA), 0
        ),
        icu_transfers=Coalesce(
            _aggregate(Intervention, Count("id"), kind=InterventionKind.ICU_TRANSFER), 0
        ),
        death_cause_code=Subquery(
            FollowUpVisit.objects.filter(course=OuterRef("pk"), vital_status=VitalStatus.DEAD)
            .filter(~Q(death_cause=""))
            .order_by("death_date", "id")
            .values("death_cause")[:1]
        ),
    )


REGISTRY_HEADERS = [
    "course_id",
    "mrn",
    "sex",
    "date_of_birth",
    "age_at_infusion_years",
    "diagnosis",
    "weight_kg",
    "height_cm",
    "product",
    "product_generic_name",
    "target_antigen",
    "referred_on",
    "apheresis_date",
    "bridging_date",
    "lymphodepletion_start_date",
    "day0_date",
    "referral_to_infusion_days",
    "apheresis_to_infusion_days",
    "crs_assessed",
    "crs_max_grade",
    "crs_onset_date",
    "crs_onset_day",
    "crs_max_grade_date",
    "icans_max_grade",
    "icans_onset_date",
    "icans_onset_day",
    "icans_max_grade_date",
    "tocilizumab_given",
    "tocilizumab_doses",
    "tocilizumab_first_date",
    "corticosteroids_given",
    "corticosteroid_doses",
    "corticosteroid_first_date",
    "anakinra_given",
    "icu_transfer",
    "best_response",
    "best_response_date",
    "progression_date",
    "pfs_days",
    "pfs_event",
    "os_days",
    "os_event",
    "vital_status",
    "death_date",
    "death_cause",
    "last_known_alive_date",
    "lost_to_follow_up",
    "current_stage",
    "data_issue",
]


def _days(start, end):
    if start is None or end is None:
        return None
    return (end - start).days


def _day_of(course, moment):
    on = local_day(moment)
    return patient_rules.day_number(day0=course.day0_date, on=on) if on else None


def registry_row(course: TreatmentCourse) -> list:
    patient = course.patient
    outcome, issue = course_outcome_or_issue(course)
    if outcome is None:
        vital_status = None
    elif outcome.death_date is not None:
        vital_status = outcomes.DEAD
    elif outcome.lost_to_follow_up:
        vital_status = outcomes.LOST
    else:
        vital_status = outcomes.ALIVE
    assessed = course.assessment_count > 0
    return [
        course.pk,
        patient.mrn,
        patient.sex,
        patient.date_of_birth,
        patient_rules.age_in_years(date_of_birth=patient.date_of_birth, on=course.day0_date),
        patient.diagnosis,
        patient.weight_kg,
        patient.height_cm,
        course.product.code,
        course.product.generic_name,
        course.product.target_antigen,
        course.referred_on,
        course.apheresis_on,
        course.bridging_on,
        course.lymphodepletion_on,
        course.day0_date,
        _days(course.referred_on, course.day0_date),
        _days(course.apheresis_on, course.day0_date),
        assessed,
        # No CRS recorded in any assessment is grade 0; with no assessment it is unknown.
        (course.crs_max or 0) if assessed else None,
        local_day(course.crs_onset_at),
        _day_of(course, course.crs_onset_at),
        local_day(course.crs_max_at),
        (course.icans_max or 0) if assessed else None,
        local_day(course.icans_onset_at),
        _day_of(course, course.icans_onset_at),
        local_day(course.icans_max_at),
        course.toci_doses > 0,
        course.toci_doses,
        local_day(course.toci_first_at),
        course.steroid_doses > 0,
        course.steroid_doses,
        local_day(course.steroid_first_at),
        course.anakinra_given > 0,
        course.icu_transfers > 0,
        outcome.best_response if outcome else None,
        outcome.best_response_date if outcome else None,
        outcome.progression_date if outcome else None,
        outcome.pfs.days if outcome else None,
        outcome.pfs.event if outcome else None,
        outcome.os.days if outcome else None,
        outcome.os.event if outcome else None,
        vital_status,
        outcome.death_date if outcome else None,
        course.death_cause_code,
        outcome.last_known_alive if outcome else None,
        outcome.lost_to_follow_up if outcome else None,
        course.stage,
        issue,
    ]
