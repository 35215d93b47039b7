"""Monitoring writes: interventions, lab results, tocilizumab checks and task taking."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue import dosing
from core import system_text
from core.clock import local_when
from core.models import User, Ward
from core.permissions import is_his_interface
from patients import services as patient_services
from patients.models import TransferSource, TreatmentCourse

from .. import labs as lab_rules
from .. import schedule
from ..models import (
    Assessment,
    Intervention,
    InterventionKind,
    LabResult,
    LabSource,
    MonitoringTask,
    TaskKind,
)
from .assessments import ASSESSABLE_STAGES, CLOCK_SKEW, _current_grades, _in_icu, _require_bedside

# --- Interventions -------------------------------------------------------------------------


@transaction.atomic
def intervention_record(
    *,
    by: User,
    course: TreatmentCourse,
    kind: str,
    given_at: datetime,
    assessment: Assessment | None = None,
    drug: str = "",
    dose_mg: Decimal | None = None,
    route: str = "",
    notes: str = "",
    to_ward: Ward | None = None,
) -> Intervention:
    """Record a treatment for CRS/ICANS. Tocilizumab follows the label: weight-based dose with
    its cap, at most 3 doses in 24 h and 4 in all, at least 8 h apart.

    An ICU transfer (or return) with `to_ward` also moves the patient there through the ward
    transfer service, so the ICU nurses see her and her reminders go to them."""
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    _require_bedside(by, course)
    if course.stage not in ASSESSABLE_STAGES:
        raise ValidationError(_("This course is not in monitoring."))
    if given_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"given_at": _("The time given cannot be in the future.")})
    if assessment is not None and assessment.course_id != course.pk:
        raise ValidationError({"assessment": _("That assessment belongs to another course.")})
    if kind == InterventionKind.TOCILIZUMAB:
        dose_mg = _check_tocilizumab(course, given_at, dose_mg)
        drug = "tocilizumab"
        route = route or "IV"
    elif kind in (
        InterventionKind.CORTICOSTEROID,
        InterventionKind.ANAKINRA,
        InterventionKind.VASOPRESSOR,
    ):
        if kind == InterventionKind.ANAKINRA:
            drug = "anakinra"
        if not drug.strip():
            raise ValidationError({"drug": _("Name the drug.")})
        if kind != InterventionKind.VASOPRESSOR and dose_mg is None:
            raise ValidationError({"dose_mg": _("Enter the dose in mg.")})
    intervention = Intervention(
        course=course,
        assessment=assessment,
        kind=kind,
        given_at=given_at,
        drug=drug.strip(),
        dose_mg=dose_mg,
        route=route,
        notes=notes,
        recorded_by=by,
    )
    if to_ward is not None and kind not in (
        InterventionKind.ICU_TRANSFER,
        InterventionKind.ICU_DISCHARGE,
    ):
        raise ValidationError({"to_ward": _("Only an ICU transfer or return moves the ward.")})
    intervention.full_clean()
    intervention._history_user = by
    intervention.save()
    if to_ward is not None:
        patient_services.patient_transfer(
            by=by,
            patient=course.patient,
            to_ward=to_ward,
            reason=notes.strip() or intervention.get_kind_display(),
            transferred_at=min(given_at, timezone.now()),
            source=TransferSource.MONITORING,
        )
    if kind in (InterventionKind.ICU_TRANSFER, InterventionKind.ICU_DISCHARGE):
        _replan_open_tasks(course)
    return intervention


@transaction.atomic
def lab_result_record(
    *,
    by: User,
    course: TreatmentCourse,
    analyte: str,
    value: Decimal | str,
    measured_at: datetime,
    unit: str = "",
    source: str = LabSource.TYPED,
    external_key: str = "",
) -> LabResult:
    """A monitoring lab value (CRP, ferritin, fibrinogen, ANC, platelets), typed at the
    bedside or received from the lab system; converted to its canonical unit. A result the
    lab sends twice (same key) is stored once."""
    if source == LabSource.LAB_SYSTEM:
        if not is_his_interface(by):
            raise PermissionDenied(_("Only the hospital interface records lab-system results."))
    else:
        _require_bedside(by, course)
    if external_key:
        existing = LabResult.objects.filter(external_key=external_key).first()
        if existing is not None:
            return existing
    if not course.is_open:
        raise ValidationError(_("This course has ended."))
    if measured_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"measured_at": _("The sample time cannot be in the future.")})
    try:
        number = lab_rules.canonical_value(analyte, value, unit)
    except lab_rules.LabValueError as error:
        raise ValidationError({"value": str(error)}) from None
    result = LabResult(
        course=course,
        analyte=analyte,
        value=number,
        measured_at=measured_at,
        source=source,
        external_key=external_key[:120],
        recorded_by=by,
    )
    result.full_clean()
    result._history_user = by
    result.save()
    return result


def tocilizumab_recommended_dose(course: TreatmentCourse) -> dosing.DoseResult:
    return dosing.tocilizumab_dose(weight_kg=float(course.patient.weight_kg))


def _check_tocilizumab(course, given_at, dose_mg):
    recommended = tocilizumab_recommended_dose(course)
    if dose_mg is None:
        dose_mg = Decimal(str(recommended.dose_mg))
    elif dose_mg <= 0 or float(dose_mg) > recommended.dose_mg:
        raise ValidationError(
            {
                "dose_mg": _(
                    "Tocilizumab dose must be above 0 and at most %(max)s mg for %(kg)s kg "
                    "(8 mg/kg, 12 mg/kg under 30 kg, never above 800 mg)."
                )
                % {"max": recommended.dose_mg, "kg": course.patient.weight_kg}
            }
        )
    earlier = list(
        course.interventions.filter(kind=InterventionKind.TOCILIZUMAB).values_list(
            "given_at", flat=True
        )
    )
    if any(t > given_at for t in earlier):
        raise ValidationError(
            {
                "given_at": _(
                    "A later tocilizumab dose is already recorded; record doses in the order given."
                )
            }
        )
    limit = dosing.tocilizumab_dose_allowed(given_at=earlier, at=given_at)
    if not limit.allowed:
        raise ValidationError(
            {
                "given_at": _("Tocilizumab refused: %(reason)s")
                % {"reason": system_text.say(limit.reasons, separator=" ")}
            }
        )
    return dose_mg


def _replan_open_tasks(course: TreatmentCourse) -> None:
    """ICU transfer shortens the intervals at once; open tasks move earlier, never later."""
    crs, icans = _current_grades(course)
    in_icu = _in_icu(course)
    for kind in (TaskKind.VITALS, TaskKind.NEURO):
        interval = schedule.interval_for(kind=kind, crs_grade=crs, icans_grade=icans, in_icu=in_icu)
        last = _last_done_at(course, kind)
        if last is None:
            continue
        target = last + interval
        MonitoringTask.objects.filter(
            course=course,
            kind=kind,
            done_at__isnull=True,
            missed_at__isnull=True,
            due_at__gt=target,
        ).audited_update(reason=_history_reason("monitoring.tasks_icu"), due_at=target)


def _last_done_at(course, kind):
    qs = course.assessments.all()
    if kind == TaskKind.NEURO:
        qs = qs.filter(neuro_assessed=True)
    return qs.order_by("-assessed_at").values_list("assessed_at", flat=True).first()


# --- Tasks ---------------------------------------------------------------------------------


def task_take(*, by: User, task: MonitoringTask) -> MonitoringTask:
    """A nurse takes a task. The conditional update lets exactly one of two nurses win."""
    _require_bedside(by, task.course)
    with transaction.atomic():
        taken = MonitoringTask.objects.filter(
            pk=task.pk, taken_by__isnull=True, done_at__isnull=True, missed_at__isnull=True
        ).audited_update(by=by, taken_by=by, taken_at=timezone.now())
        current = MonitoringTask.objects.select_related("taken_by").get(pk=task.pk)
    if taken != 1:
        if current.done_at is not None:
            raise ValidationError(_("This assessment has already been done."))
        if current.missed_at is not None:
            raise ValidationError(_("This assessment was closed as missed; a new one is due."))
        raise ValidationError(
            _("%(who)s took this assessment at %(when)s.")
            % {
                "who": current.taken_by,
                "when": local_when(current.taken_at),
            }
        )
    return current


def _history_reason(code: str) -> str:
    """A history reason in English (one prose column; the chart history says it in the
    reader's language, core.system_text_legacy)."""
    return system_text.english(system_text.text(code))
