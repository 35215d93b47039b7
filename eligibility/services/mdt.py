"""MDT decision: signed, moving the course to eligible or not eligible."""

import json
from datetime import date

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import SignatureMeaning, User
from core.signatures import password_first, signature_sign
from eligibility import rules, selectors
from eligibility.models import (
    Decision,
    MdtDecision,
)
from patients import rules as course_rules
from patients.models import TreatmentCourse
from patients.services import course_enter_stage

from .common import (
    _last_stage_date,
    _lock_course,
    _not_future,
    _require_clinician,
    _require_visible,
    _stage_label,
)

# --- MDT decision ---------------------------------------------------------------------------


def criteria_snapshot(result: rules.EligibilityResult) -> list[dict]:
    """The criteria as the MDT saw them: the English reason (the record's own words) and the
    reason's code with its parameters, so that a reader sees it in her language
    (eligibility.text.snapshot_reason_text). Dates and decimals are stored as text."""
    return [
        {
            "key": c.key,
            "status": c.status,
            "reason": c.reason,
            "code": c.code,
            "params": json.loads(json.dumps(dict(c.params), cls=DjangoJSONEncoder)),
        }
        for c in result.criteria
    ]


SIGNATURE_MEANING = {
    Decision.APPROVE: SignatureMeaning.APPROVED_BY,
    Decision.DECLINE: SignatureMeaning.DECLINED_BY,
    Decision.DEFER: SignatureMeaning.DEFERRED_BY,
}


@password_first
@transaction.atomic
def decision_record(
    *,
    by: User,
    course: TreatmentCourse,
    decision: str,
    decided_on: date | None = None,
    justification: str = "",
    attendees: str = "",
    password: str = "",
) -> MdtDecision:
    """Record the MDT's decision; approve moves the course to eligible, decline to not eligible.

    The clinician signs it electronically by entering her password again."""
    _require_clinician(by, _("Only clinicians may record an MDT decision."))
    current = _lock_course(course)
    _require_visible(by, current)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve, decline or defer.")})
    if current.stage != course_rules.SCREENING:
        raise ValidationError(
            _("An MDT decision is recorded while the course is in screening (now: %(stage)s).")
            % {"stage": _stage_label(current.stage)},
            code="stage",
        )
    assessment = selectors.screening_for_course(current)
    if assessment is None:
        raise ValidationError(_("Start the screening before the MDT decides."), code="stage")
    decided_on = decided_on or timezone.localdate()
    justification = (justification or "").strip()
    errors: dict[str, list] = {}
    _not_future(errors, "decided_on", decided_on, _("The MDT date"))
    last_date = _last_stage_date(current)
    if last_date and decided_on < last_date:
        errors.setdefault("decided_on", []).append(
            _("The MDT date cannot be before screening started (%(date)s).")
            % {"date": formats.date_format(last_date, "SHORT_DATE_FORMAT")}
        )
    evaluation = selectors.evaluate(assessment)
    result = evaluation.result.overall
    if decision == Decision.APPROVE and result != rules.ELIGIBLE and not justification:
        errors.setdefault("justification", []).append(
            _("The rules find this screening %(result)s: write why the team approves it anyway.")
            % {"result": _("incomplete") if result == rules.INCOMPLETE else _("not eligible")}
        )
    if decision == Decision.DECLINE and result == rules.ELIGIBLE and not justification:
        errors.setdefault("justification", []).append(
            _("The rules find this screening eligible: write why the team declines.")
        )
    if errors:
        raise ValidationError(errors)
    record = MdtDecision(
        course=current,
        assessment=assessment,
        decision=decision,
        decided_on=decided_on,
        rule_result=result,
        criteria_snapshot=criteria_snapshot(evaluation.result),
        justification=justification,
        attendees=(attendees or "").strip(),
        decided_by=by,
    )
    record.full_clean()
    record._history_user = by
    record.save()
    signature_sign(user=by, password=password, record=record, meaning=SIGNATURE_MEANING[decision])
    # The decision in the system's words (the reader's language), the justification as typed.
    if decision == Decision.APPROVE:
        course_enter_stage(
            by=by,
            course=current,
            to_stage=course_rules.ELIGIBLE,
            reason=justification or "",
            reason_text=system_text.text("eligibility.mdt_approved"),
            effective_date=decided_on,
        )
    elif decision == Decision.DECLINE:
        course_enter_stage(
            by=by,
            course=current,
            to_stage=course_rules.NOT_ELIGIBLE,
            reason=justification or "",
            reason_text=system_text.text("eligibility.mdt_declined"),
            effective_date=decided_on,
        )
    course.refresh_from_db()
    return record
