"""Monitoring writes: bedside assessments, the escalations they raise, acknowledgement."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import User
from core.permissions import BEDSIDE_ROLES
from core.roles import Role
from core.services import notifications_settle
from patients import rules as patient_rules
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

from .. import schedule
from ..models import (
    Assessment,
    Escalation,
    InterventionKind,
    MonitoringTask,
    TaskKind,
)
from .grades import ICE_ITEMS, findings_json, grade_values
from .reminders import escalation_notify

# Assessments are recorded while the cells go in and during the monitoring window.
ASSESSABLE_STAGES = frozenset({Stage.INFUSION, Stage.MONITORING})
# A bedside clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


def _require_bedside(by: User, course: TreatmentCourse) -> None:
    if not by.has_role(*BEDSIDE_ROLES):
        raise PermissionDenied(_("Only nurses and clinicians record bedside care."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("This patient is not on your wards."))


# --- Assessments ---------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *, by: User, course: TreatmentCourse, assessed_at: datetime, **values
) -> Assessment:
    """Record a bedside assessment: grade it, close the tasks it answers, plan the next ones,
    and escalate a grade of 2 or more, or any rise, to the attending clinician."""
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    _require_bedside(by, course)
    if course.stage not in ASSESSABLE_STAGES:
        raise ValidationError(
            _(
                "Assessments are recorded during infusion and monitoring; "
                "this course is in %(stage)s."
            )
            % {"stage": course.get_stage_display()}
        )
    now = timezone.now()
    if assessed_at > now + CLOCK_SKEW:
        raise ValidationError({"assessed_at": _("The assessment time cannot be in the future.")})
    if course.day0_date and timezone.localtime(assessed_at).date() < course.day0_date:
        raise ValidationError({"assessed_at": _("The assessment time is before Day 0.")})
    age = patient_rules.age_in_years(
        date_of_birth=course.patient.date_of_birth, on=timezone.localtime(assessed_at).date()
    )
    if not values.get("neuro_assessed"):
        for name in (*ICE_ITEMS, "capd_score", "consciousness"):
            values.pop(name, None)
    grades = grade_values(age_years=age, values=values)
    previous = (
        course.assessments.filter(assessed_at__lte=assessed_at)
        .order_by("-assessed_at", "-id")
        .first()
    )
    assessment = Assessment(
        course=course,
        assessed_at=assessed_at,
        recorded_by=by,
        ice_score=grades.ice_score,
        crs_grade=grades.crs.grade,
        crs_findings=findings_json(grades.crs),
        # English whatever the nurse's language: the exports read these columns (by design).
        crs_reason=system_text.english(findings_json(grades.crs))[:300],
        vitals_findings=grades.vitals_findings_json,
        icans_grade=grades.icans.grade if grades.icans else None,
        icans_findings=findings_json(grades.icans),
        icans_reason=system_text.english(findings_json(grades.icans))[:300],
        **values,
    )
    assessment.full_clean()
    assessment._history_user = by
    assessment.save()
    _complete_and_replan_tasks(course, assessment)
    _escalate_if_needed(course, assessment, previous)
    return assessment


def _complete_and_replan_tasks(course: TreatmentCourse, assessment: Assessment) -> None:
    kinds = [TaskKind.VITALS] + ([TaskKind.NEURO] if assessment.neuro_assessed else [])
    MonitoringTask.objects.filter(
        course=course, kind__in=kinds, done_at__isnull=True, missed_at__isnull=True
    ).audited_update(
        by=assessment.recorded_by, done_at=assessment.assessed_at, done_by_assessment=assessment
    )
    if course.stage != Stage.MONITORING:
        return
    crs, icans = _current_grades(course)
    in_icu = _in_icu(course)
    for kind in kinds:
        interval = schedule.interval_for(kind=kind, crs_grade=crs, icans_grade=icans, in_icu=in_icu)
        MonitoringTask.objects.get_or_create(
            course=course, kind=kind, due_at=assessment.assessed_at + interval
        )


def _current_grades(course: TreatmentCourse) -> tuple[int | None, int | None]:
    latest = course.assessments.order_by("-assessed_at", "-id").first()
    latest_neuro = (
        course.assessments.filter(neuro_assessed=True).order_by("-assessed_at", "-id").first()
    )
    return (
        latest.crs_grade if latest else None,
        latest_neuro.icans_grade if latest_neuro else None,
    )


def _in_icu(course: TreatmentCourse) -> bool:
    last = (
        course.interventions.filter(
            kind__in=[InterventionKind.ICU_TRANSFER, InterventionKind.ICU_DISCHARGE]
        )
        .order_by("-given_at", "-id")
        .first()
    )
    return last is not None and last.kind == InterventionKind.ICU_TRANSFER


# A grade that stays at 2 or more is raised again only after this long without an escalation
# (institutional default — review); any rise is raised at once, every time.
SUSTAINED_GRADE_REESCALATE_AFTER = timedelta(hours=12)


def escalation_reason(
    *, previous: Assessment | None, assessment: Assessment, recently_escalated: bool = False
) -> list[system_text.SystemText]:
    """Why an assessment must reach the clinician now (codes with parameters), or [] when it
    need not."""
    reasons = []
    prev_crs = previous.crs_grade if previous else 0
    prev_icans = previous.icans_grade if previous and previous.icans_grade is not None else 0
    crs_rose = assessment.crs_grade > prev_crs
    icans_rose = assessment.icans_grade is not None and assessment.icans_grade > prev_icans
    sustained = not recently_escalated and (
        assessment.crs_grade >= 2 or (assessment.icans_grade or 0) >= 2
    )
    if crs_rose or (sustained and assessment.crs_grade >= 2):
        reasons.append(
            system_text.text("monitoring.escalation.crs", new=assessment.crs_grade, old=prev_crs)
        )
    if icans_rose or (sustained and (assessment.icans_grade or 0) >= 2):
        reasons.append(
            system_text.text(
                "monitoring.escalation.icans", new=assessment.icans_grade, old=prev_icans
            )
        )
    return reasons


def _escalate_if_needed(course, assessment, previous) -> None:
    recently = course.escalations.filter(
        created_at__gte=timezone.now() - SUSTAINED_GRADE_REESCALATE_AFTER
    ).exists()
    reasons = escalation_reason(
        previous=previous, assessment=assessment, recently_escalated=recently
    )
    if not reasons:
        return
    escalation = Escalation(
        course=course,
        assessment=assessment,
        reason_codes=[r.as_json() for r in reasons],
        # The English copy, for the exports (see Escalation.reason_codes).
        reason=system_text.english([r.as_json() for r in reasons])[:300],
    )
    escalation._history_user = assessment.recorded_by
    escalation.save()
    escalation_notify(escalation=escalation)


@transaction.atomic
def escalation_acknowledge(*, by: User, escalation: Escalation, note: str = "") -> Escalation:
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians acknowledge escalations."))
    current = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if current.acknowledged_at is not None:
        raise ValidationError(
            _("Already acknowledged by %(who)s.") % {"who": current.acknowledged_by}
        )
    current.acknowledged_by = by
    current.acknowledged_at = timezone.now()
    current.acknowledgement_note = note.strip()
    current._history_user = by
    current.save()
    notifications_settle(source_key=f"escalation:{current.pk}")
    return current
