"""Planning or moving Day 0 (the doses not given yet move with it), and correcting a
recorded Day 0 that was entered wrong (signed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SignatureMeaning, User
from core.signatures import password_first, signature_sign
from patients import services as patient_services
from patients.models import TreatmentCourse

from .. import rules, selectors
from ..models import (
    Administration,
    Day0Change,
    Day0Correction,
    InfusionRecord,
)
from .access import _lock_course, _require, _require_visible, is_clinician
from .gate import _supersede_reviews
from .plan_signing import _void_reason, _void_signature


@transaction.atomic
def day0_change(
    *, by: User, course: TreatmentCourse, new_date: date, reason: str = ""
) -> Day0Change:
    """Plan or move Day 0. The doses not given yet keep their day numbers and move with it;
    doses given keep their dates. The change is recorded with who and why."""
    _require(is_clinician(by), _("Only clinicians plan Day 0."))
    course = _lock_course(course)
    _require_visible(by, course)
    if not isinstance(new_date, date) or isinstance(new_date, datetime):
        raise ValidationError({"new_date": _("Enter a date.")})
    old = course.planned_day0_date
    reason = (reason or "").strip()
    if old == new_date:
        raise ValidationError({"new_date": _("Day 0 is already planned for this date.")})
    if old is not None and not reason:
        raise ValidationError({"reason": _("Say why Day 0 moves.")})
    today = timezone.localdate()
    if new_date < today:
        raise ValidationError({"new_date": _("Day 0 cannot be planned in the past.")})
    plan = selectors.plan_for(course)
    moves: list[rules.Move] = []
    if plan is not None:
        doses = list(plan.doses.select_for_update())
        try:
            moves = rules.replan_after_day0_change(
                doses=[
                    rules.DoseToPlan(
                        d.pk,
                        d.day_number,
                        d.planned_on,
                        Administration.objects.filter(planned_dose=d).exists(),
                    )
                    for d in doses
                ],
                new_day0=new_date,
                today=today,
            )
        except ValueError:
            raise ValidationError(
                {
                    "new_date": _(
                        "On this Day 0 some doses not yet given would fall in the past. "
                        "Recalculate the plan or choose a later day."
                    )
                }
            ) from None
    patient_services.course_set_planned_day0(by=by, course=course, planned_day0_date=new_date)
    by_pk = {d.pk: d for d in plan.doses.all()} if plan else {}
    for move in moves:
        dose = by_pk[move.key]
        dose.planned_on = move.new_date
        dose._history_user = by
        dose.save()
    if plan is not None and moves:
        _void_signature(
            plan,
            by=by,
            reason=_void_reason(
                "infusion.day0_moved",
                old=old.isoformat() if old else "—",
                new=new_date.isoformat(),
            ),
        )
        plan.version += 1
        plan._history_user = by
        plan.save()
    change = Day0Change(
        course=course,
        old_date=old,
        new_date=new_date,
        reason=reason,
        doses_moved=len(moves),
        changed_by=by,
        changed_at=timezone.now(),
    )
    change.full_clean()
    change._history_user = by
    change.save()
    _supersede_reviews(course, by=by)
    return change


@password_first
@transaction.atomic
def day0_correct(
    *, by: User, course: TreatmentCourse, new_day0_date: date, reason: str, password: str
) -> Day0Correction:
    """Correct a mis-entered infusion date after the infusion: the clinician gives the right
    Day 0 with a reason and signs with her password. The infusion record keeps its times of
    day on the corrected date; the course's Day 0 changes with history (patients), so the
    follow-up visits not yet done move and monitoring's day numbers follow."""
    _require(is_clinician(by), _("Only clinicians correct Day 0."))
    course = _lock_course(course)
    _require_visible(by, course)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why Day 0 is corrected.")})
    if not isinstance(new_day0_date, date) or isinstance(new_day0_date, datetime):
        raise ValidationError({"new_day0_date": _("Enter a date.")})
    record = InfusionRecord.objects.select_for_update().filter(course=course).first()
    if record is None or course.day0_date is None:
        raise ValidationError(_("This course has no infusion yet: there is no Day 0 to correct."))
    old = course.day0_date
    if new_day0_date == old:
        raise ValidationError({"new_day0_date": _("Day 0 is already this date.")})
    if new_day0_date > timezone.localdate():
        raise ValidationError(
            {"new_day0_date": _("A Day 0 that has happened is not in the future.")}
        )
    shift = timedelta(days=(new_day0_date - old).days)
    record.started_at += shift
    record.ended_at += shift
    record._history_user = by
    record._change_reason = reason
    record.save(update_fields=["started_at", "ended_at"])
    try:
        patient_services.course_correct_day0(
            by=by, course=course, day0_date=new_day0_date, reason=reason
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "day0_date" in error.error_dict:
            raise ValidationError({"new_day0_date": error.error_dict["day0_date"]}) from None
        raise
    correction = Day0Correction(
        course=course,
        old_day0_date=old,
        new_day0_date=new_day0_date,
        reason=reason,
        corrected_by=by,
        corrected_at=timezone.now(),
    )
    correction.full_clean()
    correction._history_user = by
    correction.save()
    signature_sign(
        user=by, password=password, record=correction, meaning=SignatureMeaning.CORRECTED_BY
    )
    return correction
