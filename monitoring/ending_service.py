"""The clinician's decision that monitoring is over (issue 16 item 3). A write of the
monitoring stage, kept apart from services.py, which is long already."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import SignatureMeaning, User
from core.roles import Role
from core.signatures import signature_sign
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

from . import selectors
from .models import MonitoringEnd, MonitoringTask
from .wording import ending_reason_text

# The meaning recorded with the signature (core.models.Signature.meaning).
SIGNATURE_MEANING = SignatureMeaning.APPROVED_BY


def decision_text(decision) -> str:
    return "; ".join(ending_reason_text(r.code, r.params) for r in decision.reasons)


@transaction.atomic
def monitoring_end(
    *, by: User, course: TreatmentCourse, reason: str, password: str
) -> MonitoringEnd:
    """End monitoring: only a clinician, only when the rule allows it (ending.py), signed
    with the password re-entered; the course moves to follow-up and open tasks close."""
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians end monitoring."))
    current = (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )
    if not user_can_see_patient(by, current.patient):
        raise PermissionDenied(_("You may not change this course."))
    if current.stage != Stage.MONITORING:
        raise ValidationError(
            _("This course is not in monitoring (it is in %(stage)s).")
            % {"stage": current.get_stage_display()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for ending monitoring.")})
    now = timezone.now()
    decision = selectors.end_decision(current, now=now)
    if not decision.may_end:
        raise ValidationError(
            _("Monitoring must continue: %(why)s.") % {"why": decision_text(decision)},
            code="must_continue",
        )
    record = MonitoringEnd(
        course=current,
        ended_at=now,
        ended_by=by,
        reason=reason,
        rule_summary=decision_text(decision)[:500],
    )
    record.full_clean()
    record._history_user = by
    record.save()
    signature_sign(user=by, password=password, record=record, meaning=SIGNATURE_MEANING)
    patient_services.course_enter_stage(
        by=by,
        course=current,
        to_stage=Stage.FOLLOW_UP,
        reason=reason,
        reason_text=system_text.text("monitoring.ended"),
        effective_date=timezone.localdate(),
    )
    # Nothing is due any more; tasks not done stay visible as missed only if they were late.
    MonitoringTask.objects.filter(
        course=current, done_at__isnull=True, missed_at__isnull=True, due_at__lt=now
    ).audited_update(
        by=by,
        reason=system_text.english(system_text.text("monitoring.tasks_ended")),
        missed_at=now,
    )
    return record
