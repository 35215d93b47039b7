"""Reads for follow-up, always through the patients access functions (404 for refused)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from catalogue.models import CarTProduct
from catalogue.selectors import discharge_restrictions
from core.roles import Role
from patients import rules as patient_rules
from patients.models import TreatmentCourse
from patients.selectors import courses_visible_to

from . import outcomes, rules, schedule
from .models import (
    MANUFACTURER_REPORTABLE,
    STATUS_LABELS,
    Discharge,
    FollowUpVisit,
    LateAdverseEvent,
    LuganoResponse,
    ScheduledVisit,
    VisitState,
    VitalStatus,
)

# Nurses (own wards, enforced by the patient access functions) and clinicians record
# discharges and visits; coordinators, pharmacists and auditors read.
FOLLOWUP_RECORDERS = frozenset({Role.CLINICIAN, Role.NURSE})

# "Not seen for more than a year" worklist.
NOT_SEEN_AFTER_DAYS = 365
WEEK_DAYS = 7


def can_record_followup(user) -> bool:
    return user.is_authenticated and user.has_role(*FOLLOWUP_RECORDERS)


def followup_courses_visible_to(user) -> QuerySet[TreatmentCourse]:
    """Courses the user may see whose product has been infused."""
    return courses_visible_to(user).filter(day0_date__isnull=False)


def manufacturer_reports_due(user) -> list[LateAdverseEvent]:
    """Late events that must be reported to the manufacturer (T-cell malignancy, FDA boxed
    warning of April 2024) and are not yet: a task on the follow-up list, oldest first."""
    return list(
        LateAdverseEvent.objects.filter(
            event_category__in=MANUFACTURER_REPORTABLE,
            reported_to_manufacturer=False,
            visit__course__in=followup_courses_visible_to(user).values("pk"),
        )
        .select_related("visit__course__patient__ward", "visit__course__product")
        .order_by("visit__visit_date", "id")
    )


def manufacturer_report_for_user(user, pk) -> LateAdverseEvent:
    """A late event whose manufacturer report is due, or 404 for one the user may not see."""
    for event in manufacturer_reports_due(user):
        if str(event.pk) == str(pk):
            return event
    raise Http404


def restrictions_for(*, product: CarTProduct, day0: date) -> rules.Restrictions:
    """End dates of the product's own label restrictions, counted from Day 0. The terms come
    from the product's label row through the catalogue's one selector, as the consent page's."""
    terms = discharge_restrictions(product)
    return rules.restriction_end_dates(
        day0=day0,
        stay_near_centre_days=terms.stay_near_centre_days,
        no_driving_days=terms.no_driving_days,
        source=terms.source,
    )


def discharge_of(course: TreatmentCourse) -> Discharge | None:
    return Discharge.objects.filter(course=course).select_related("recorded_by").first()


def death_record(course: TreatmentCourse) -> FollowUpVisit | None:
    return (
        FollowUpVisit.objects.filter(course=course, vital_status=VitalStatus.DEAD)
        .order_by("death_date", "id")
        .first()
    )


def course_visits(course: TreatmentCourse) -> QuerySet[FollowUpVisit]:
    return (
        FollowUpVisit.objects.filter(course=course)
        .select_related("scheduled_visit", "recorded_by")
        .prefetch_related("infections", "adverse_events", "therapies")
        .order_by("visit_date", "id")
    )


def visit_for_user(user, pk) -> FollowUpVisit:
    """A visit record, or 404 when it does not exist or its patient is not the user's."""
    try:
        return (
            FollowUpVisit.objects.filter(course__in=courses_visible_to(user).values("pk"))
            .select_related("course__patient", "course__product", "scheduled_visit", "recorded_by")
            .prefetch_related("infections", "adverse_events", "therapies")
            .get(pk=pk)
        )
    except (FollowUpVisit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assessments(visits) -> list[outcomes.Assessment]:
    """Follow-up records as the plain values the outcome rules read."""
    rows = []
    for visit in visits:
        starts = [t.start_date for t in visit.therapies.all()]
        rows.append(
            outcomes.Assessment(
                on=visit.visit_date,
                response=visit.lugano_response,
                vital_status=visit.vital_status,
                death_date=visit.death_date,
                new_therapy_start=min(starts) if starts else None,
            )
        )
    return rows


def response_label(code: str | None) -> str:
    if not code:
        return ""
    return str(LuganoResponse(code).label)


def pfs_censoring() -> str:
    """The PFS censoring convention in use (setting PFS_CENSORING, followup/outcomes.py)."""
    return settings.PFS_CENSORING


def course_outcome(course: TreatmentCourse, visits=None) -> outcomes.Outcome | None:
    if course.day0_date is None:
        return None
    visits = course_visits(course) if visits is None else visits
    return outcomes.course_outcome(
        day0=course.day0_date, assessments=assessments(visits), pfs_censoring=pfs_censoring()
    )


def course_calendar(course: TreatmentCourse, today: date) -> list[dict]:
    """The course's schedule with each visit's status today and its record, if any."""
    rows = []
    visits = (
        ScheduledVisit.objects.filter(course=course).select_related("record").order_by("sequence")
    )
    for visit in visits:
        status = visit.status_on(today)
        record = getattr(visit, "record", None)
        rows.append(
            {
                "visit": visit,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "record": record,
                "days_overdue": schedule.days_overdue(window_end=visit.window_end, today=today)
                if status == schedule.OVERDUE
                else 0,
                "day_number": patient_rules.day_number(day0=course.day0_date, on=visit.target_date)
                if course.day0_date
                else None,
            }
        )
    return rows


def schedule_out_of_date(course: TreatmentCourse) -> bool:
    """True when planned visits were counted from a Day 0 that is no longer the course's."""
    if course.day0_date is None:
        return False
    return (
        ScheduledVisit.objects.filter(course=course, visit_state=VisitState.PLANNED)
        .exclude(day0_date=course.day0_date)
        .exists()
    )


def _open_planned_visits(user) -> QuerySet[ScheduledVisit]:
    return ScheduledVisit.objects.filter(
        visit_state=VisitState.PLANNED,
        course__in=followup_courses_visible_to(user)
        .exclude(stage__in=sorted(patient_rules.TERMINAL_STAGES))
        .values("pk"),
    ).select_related("course__patient__ward", "course__product")


def visits_due_this_week(user, today: date) -> QuerySet[ScheduledVisit]:
    """Planned visits due in the next seven days, or due already with the window still open."""
    return (
        _open_planned_visits(user)
        .filter(target_date__lt=today + timedelta(days=WEEK_DAYS), window_end__gte=today)
        .order_by("target_date", "course__patient__family_name")
    )


def visits_overdue(user, today: date) -> QuerySet[ScheduledVisit]:
    """Planned visits whose due window has closed, longest overdue first."""
    return _open_planned_visits(user).filter(window_end__lt=today).order_by("window_end", "id")


def courses_not_seen(user, today: date) -> QuerySet[TreatmentCourse]:
    """Open, infused courses whose patient was last known alive more than a year ago."""
    return (
        followup_courses_visible_to(user)
        .exclude(stage__in=sorted(patient_rules.TERMINAL_STAGES))
        .exclude(followup_visits__vital_status=VitalStatus.DEAD)
        .annotate(
            last_seen=Coalesce(
                Max(
                    "followup_visits__visit_date",
                    filter=Q(followup_visits__vital_status=VitalStatus.ALIVE),
                ),
                "day0_date",
            )
        )
        .filter(last_seen__lt=today - timedelta(days=NOT_SEEN_AFTER_DAYS))
        .order_by("last_seen", "id")
    )


def matching_scheduled_visit(course: TreatmentCourse, on: date) -> ScheduledVisit | None:
    """The planned visit whose due window holds the date (nearest due date first)."""
    planned = list(
        ScheduledVisit.objects.filter(
            course=course,
            visit_state=VisitState.PLANNED,
            window_start__lte=on,
            window_end__gte=on,
        )
    )
    return schedule.matching_visit(visits=planned, on=on)
