"""The pre-infusion gate: tocilizumab stock, the nurse's check, the bedside bag match,
overrides and the clinician's review."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.models import SignatureMeaning as SignOffMeaning
from core.models import User
from core.signatures import password_first, signature_sign
from patients.models import Stage, TreatmentCourse

from .. import rules, selectors
from ..models import (
    GateOverride,
    GateReview,
    PreInfusionCheck,
    TocilizumabStockCheck,
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
    is_pharmacist,
)


def _supersede_reviews(course: TreatmentCourse, *, by: User) -> None:
    """A new fact about the gate makes the clinician's earlier review out of date."""
    now = timezone.now()
    for review in GateReview.objects.filter(course=course, superseded_at__isnull=True):
        review.superseded_at = now
        review._history_user = by
        review.save()


@transaction.atomic
def stock_confirm(
    *, by: User, course: TreatmentCourse, doses_available: int, notes: str = ""
) -> TocilizumabStockCheck:
    _require(is_pharmacist(by), _("Only pharmacists confirm tocilizumab stock."))
    course = _lock_course(course)
    _require_visible(by, course)
    check = TocilizumabStockCheck(
        course=course,
        doses_available=doses_available,
        confirmed_by=by,
        confirmed_at=timezone.now(),
        notes=(notes or "").strip(),
    )
    check.full_clean()
    check._history_user = by
    check.save()
    _supersede_reviews(course, by=by)
    return check


PRE_INFUSION_FIELDS = (
    "active_uncontrolled_infection",
    "new_organ_dysfunction",
    "temperature_c",
    "heart_rate_bpm",
    "systolic_bp_mmhg",
    "diastolic_bp_mmhg",
    "spo2_percent",
    "respiratory_rate_per_min",
    "paracetamol_given",
    "antihistamine_given",
    "prophylactic_steroid_given",
    "notes",
)


@transaction.atomic
def pre_infusion_check_record(
    *, by: User, course: TreatmentCourse, checked_at: datetime, **values
) -> PreInfusionCheck:
    unknown = set(values) - set(PRE_INFUSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown pre-infusion fields: {sorted(unknown)}")
    _require(is_nurse(by), _("Nurses record the pre-infusion check."))
    course = _lock_course(course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _("The pre-infusion check is made after lymphodepletion; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    _aware("checked_at", checked_at)
    _not_future("checked_at", checked_at)
    if _local_date(checked_at) != timezone.localdate():
        raise ValidationError({"checked_at": _("The check is made on the day of infusion.")})
    check = PreInfusionCheck(course=course, checked_at=checked_at, checked_by=by, **values)
    check.full_clean()
    check._history_user = by
    check.save()
    _supersede_reviews(course, by=by)
    return check


@transaction.atomic
def gate_override(*, by: User, course: TreatmentCourse, item: str, reason: str) -> GateOverride:
    """A clinician accepts one failed item of today's gate, with a reason kept forever."""
    _require(is_clinician(by), _("Only clinicians override a gate item."))
    course = _lock_course(course)
    _require_visible(by, course)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An override needs a reason.")})
    if item in rules.NOT_OVERRIDABLE:
        raise ValidationError({"item": _("This item cannot be overridden.")})
    result = selectors.gate_evaluate(course)
    found = next((i for i in result.items if i.code == item), None)
    if found is None:
        raise ValidationError({"item": _("Choose an item of the checklist.")})
    if found.ok:
        raise ValidationError({"item": _("This item passes; there is nothing to override.")})
    override = GateOverride(
        course=course,
        item=item,
        observed=found.observed[:300],
        reason=reason,
        overridden_by=by,
        overridden_at=timezone.now(),
    )
    override.full_clean()
    override._history_user = by
    override.save()
    _supersede_reviews(course, by=by)
    return override


@password_first
@transaction.atomic
def gate_review(*, by: User, course: TreatmentCourse, password: str = "") -> GateReview:
    """A clinician reviews today's gate; the review records every item as it stands, and she
    signs it electronically (password again, meaning "reviewed by")."""
    _require(is_clinician(by), _("Only clinicians review the pre-infusion gate."))
    course = _lock_course(course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _(
                "The gate is reviewed on the day of infusion, after lymphodepletion; "
                "this course is %(s)s."
            )
            % {"s": _stage_label(course)}
        )
    result = selectors.gate_evaluate(course)
    _supersede_reviews(course, by=by)
    review = GateReview(
        course=course,
        review_date=timezone.localdate(),
        passed=result.passed,
        items=[
            {
                "code": i.code,
                "passed": i.passed,
                "overridden": i.overridden,
                "observed": i.observed,
            }
            for i in result.items
        ],
        reviewed_by=by,
        reviewed_at=timezone.now(),
    )
    review.full_clean()
    review._history_user = by
    review.save()
    signature_sign(user=by, password=password, record=review, meaning=SignOffMeaning.REVIEWED_BY)
    return review


def gate_refusal(course: TreatmentCourse, on: date) -> str | None:
    """Why the course may not reach infusion on this day, or None when it may."""
    if selectors.current_review(course, on) is None:
        return _(
            "The pre-infusion gate has not passed for %(d)s: a clinician must review it "
            "(every item passed or overridden) before the infusion."
        ) % {"d": formats.date_format(on, "SHORT_DATE_FORMAT")}
    return None
