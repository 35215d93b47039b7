"""Ending follow-up at this centre, which completes the course."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import User
from core.roles import Role
from patients import rules as patient_rules
from patients import services as patient_services
from patients.models import TreatmentCourse
from patients.selectors import user_can_see_patient

from ..models import FollowUpEnd
from .access import _locked_course


@transaction.atomic
def follow_up_end(
    *, by: User, course: TreatmentCourse, ended_on: date | None = None, reason: str
) -> FollowUpEnd:
    """A clinician records that follow-up here has ended (schedule finished, or handed to
    another centre or registry); the course moves to completed and visits not done close."""
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians end follow-up."))
    current = _locked_course(course)
    if not user_can_see_patient(by, current.patient):
        raise PermissionDenied(_("You may not change this course."))
    if current.stage != patient_rules.FOLLOW_UP:
        raise ValidationError(
            _("Follow-up is ended for a course in follow-up (now: %(stage)s).")
            % {"stage": current.get_stage_display()},
            code="stage",
        )
    ended_on = ended_on or timezone.localdate()
    reason = (reason or "").strip()
    errors: dict[str, list] = {}
    if not reason:
        errors["reason"] = [_("Say why follow-up ends (schedule finished, transferred, …).")]
    if ended_on > timezone.localdate():
        errors["ended_on"] = [_("The end of follow-up cannot be in the future.")]
    elif current.day0_date and ended_on < current.day0_date:
        errors["ended_on"] = [_("The end of follow-up cannot be before Day 0.")]
    if errors:
        raise ValidationError(errors)
    record = FollowUpEnd(course=current, ended_on=ended_on, reason=reason, recorded_by=by)
    record.full_clean()
    record._history_user = by
    record.save()
    # The record is the evidence the stage entry checks (followup/stage_entries.py).
    patient_services.course_enter_stage(
        by=by,
        course=current,
        to_stage=patient_rules.COMPLETED,
        reason=reason,
        reason_text=system_text.text("followup.ended"),
        effective_date=ended_on,
    )
    course.refresh_from_db()
    return record
