"""Who may record follow-up, and the checks every follow-up write shares."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core.models import User
from patients.models import TreatmentCourse
from patients.selectors import user_can_see_patient

from .. import selectors


def _require_recorder(by: User, course: TreatmentCourse) -> None:
    if not selectors.can_record_followup(by):
        raise PermissionDenied(_("Only clinicians and nurses record follow-up."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not record follow-up for this patient."))


def _locked_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _no_day0_error() -> ValidationError:
    return ValidationError(
        _("The product has not been infused yet: follow-up counts from Day 0."), code="no_day0"
    )
