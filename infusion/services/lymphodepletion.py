"""Starting lymphodepletion and recording each dose given."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.models import User
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse

from .. import rules, selectors, text
from ..models import (
    Administration,
    PlannedDose,
)
from .access import (
    _aware,
    _local_date,
    _lock_course,
    _not_future,
    _require,
    _require_visible,
    _stage_label,
    is_clinician,
    is_nurse,
)
from .gate import _supersede_reviews


@transaction.atomic
def lymphodepletion_start(*, by: User, course: TreatmentCourse):
    """Move the course to lymphodepletion once its plan is verified (clinicians)."""
    _require(is_clinician(by), _("Only clinicians start lymphodepletion."))
    course = _lock_course(course)
    _require_visible(by, course)
    if not selectors.plan_is_verified(selectors.plan_for(course)):
        raise ValidationError(_("The plan must be verified by a pharmacist first."))
    # The registered entry check (infusion/stage_entries.py) also asks for a released
    # product received at the centre.
    return patient_services.course_enter_stage(by=by, course=course, to_stage=Stage.LYMPHODEPLETION)


@transaction.atomic
def administration_record(
    *,
    by: User,
    dose: PlannedDose,
    given_at: datetime,
    dose_given_mg: Decimal,
    batch_number: str,
    deviation_reason: str = "",
    notes: str = "",
) -> Administration:
    """A nurse records a planned dose going in. A dose beyond the tolerance or on another
    day than planned is a deviation and needs a reason."""
    _require(is_nurse(by), _("Nurses record administrations."))
    dose = (
        PlannedDose.objects.select_for_update()
        .select_related("plan__course__patient")
        .get(pk=dose.pk)
    )
    course = _lock_course(dose.plan.course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _("Doses are given in the lymphodepletion stage; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    if not selectors.plan_is_verified(dose.plan):
        raise ValidationError(_("The plan is not verified by a pharmacist: do not give it."))
    if Administration.objects.filter(planned_dose=dose).exists():
        raise ValidationError(_("This dose has already been recorded."))
    if dose.omitted or dose.dose_mg is None:
        raise ValidationError(_("This dose is not to be given."))
    _aware("given_at", given_at)
    _not_future("given_at", given_at)
    batch_number = (batch_number or "").strip()
    if not batch_number:
        raise ValidationError({"batch_number": _("Enter the batch number.")})
    try:
        deviation = rules.administration_deviation(
            planned_mg=dose.dose_mg,
            given_mg=Decimal(dose_given_mg),
            planned_on=dose.planned_on,
            given_on=_local_date(given_at),
        )
    except ValueError as error:
        raise ValidationError({"dose_given_mg": str(error)}) from None
    deviation_reason = (deviation_reason or "").strip()
    if deviation.deviates and not deviation_reason:
        raise ValidationError(
            {
                "deviation_reason": _("This is a deviation from the plan (%(d)s): give a reason.")
                % {"d": text.deviation_text(deviation, dose)}
            }
        )
    record = Administration(
        planned_dose=dose,
        given_at=given_at,
        dose_given_mg=Decimal(dose_given_mg),
        batch_number=batch_number,
        deviation=deviation.deviates,
        deviation_detail=deviation.message[:300] if deviation.deviates else "",
        deviation_text=list(deviation.texts),
        deviation_reason=deviation_reason if deviation.deviates else "",
        notes=(notes or "").strip(),
        given_by=by,
    )
    record.full_clean()
    record._history_user = by
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError(_("This dose has already been recorded.")) from None
    _supersede_reviews(course, by=by)
    return record
