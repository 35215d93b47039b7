"""Recording the infusion, which fixes Day 0 and moves the course on to monitoring."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse

from .. import rules, selectors, text
from ..models import (
    InfusionRecord,
)
from .access import (
    _aware,
    _local_date,
    _lock_course,
    _not_future,
    _require,
    _require_visible,
    _stage_label,
    is_nurse,
)
from .gate import gate_refusal


@transaction.atomic
def infusion_record(
    *,
    by: User,
    course: TreatmentCourse,
    started_at: datetime,
    ended_at: datetime,
    bags_infused: int,
    dose_cells_10e6: Decimal,
    temperature_c: Decimal,
    heart_rate_bpm: int,
    systolic_bp_mmhg: int,
    diastolic_bp_mmhg: int,
    spo2_percent: int,
    reactions: str = "",
    bags_reason: str = "",
) -> InfusionRecord:
    """The nurse records the infusion: the gate must have passed today (reviewed by a
    clinician, and still passing now). Day 0 is fixed, and the course moves to infusion and
    on to monitoring, which starts the monitoring schedule."""
    _require(is_nurse(by), _("Nurses record the infusion."))
    course = _lock_course(course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _("Only a course in lymphodepletion can be infused; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    _aware("started_at", started_at)
    _aware("ended_at", ended_at)
    _not_future("ended_at", ended_at)
    if ended_at < started_at:
        raise ValidationError({"ended_at": _("The infusion cannot end before it started.")})
    day = _local_date(started_at)  # Day 0 is the day the infusion started
    refusal = rules.infusion_recording_refusal(
        started_on=day, ended_on=_local_date(ended_at), today=timezone.localdate()
    )
    if refusal == "not_today":
        raise ValidationError(
            {
                "started_at": _(
                    "The gate is checked on the day of infusion: record it today (an infusion "
                    "that ran past midnight is recorded on the day it ended)."
                )
            }
        )
    refusal = gate_refusal(course, day)
    if refusal:
        raise ValidationError(refusal, code="gate")
    result = selectors.gate_evaluate(course, on=day)
    if not result.passed:
        raise ValidationError(
            _("The pre-infusion gate no longer passes: %(items)s.")
            % {"items": "; ".join(text.item_label(i.code) for i in result.failing)},
            code="gate",
        )
    receipt = selectors.receipt_for(course)
    bags_reason = (bags_reason or "").strip()
    if receipt and bags_infused > receipt.bag_count:
        raise ValidationError(
            {"bags_infused": _("Only %(n)s bag(s) were received.") % {"n": receipt.bag_count}}
        )
    if receipt and bags_infused < receipt.bag_count and not bags_reason:
        raise ValidationError({"bags_reason": _("Not every bag received was infused: say why.")})
    review = selectors.current_review(course, day)
    record = InfusionRecord(
        course=course,
        gate_review=review,
        started_at=started_at,
        ended_at=ended_at,
        bags_infused=bags_infused,
        bags_reason=bags_reason,
        dose_cells_10e6=dose_cells_10e6,
        reactions=(reactions or "").strip(),
        temperature_c=temperature_c,
        heart_rate_bpm=heart_rate_bpm,
        systolic_bp_mmhg=systolic_bp_mmhg,
        diastolic_bp_mmhg=diastolic_bp_mmhg,
        spo2_percent=spo2_percent,
        recorded_by=by,
    )
    record.full_clean()
    # The record is the evidence both stage entries check, so it is saved first.
    record._history_user = by
    record.save()
    patient_services.course_enter_stage(
        by=by, course=course, to_stage=Stage.INFUSION, effective_date=day
    )
    patient_services.course_enter_stage(
        by=by, course=course, to_stage=Stage.MONITORING, effective_date=day
    )
    return record
