"""Checks the eligibility services share: who may write, the course locked, dates not future."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.permissions import can_edit_patients
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient


def _require_clinician(by: User, message: str) -> None:
    if not can_edit_patients(by):
        raise PermissionDenied(message)


def _require_visible(by: User, course: TreatmentCourse) -> None:
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not change this course."))


def _lock_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _stage_label(stage: str) -> str:
    return str(dict(Stage.choices).get(stage, stage))


def _last_stage_date(course: TreatmentCourse) -> date | None:
    last = course.stage_events.order_by("-occurred_at", "-id").first()
    return last.effective_date if last else None


def _not_future(errors: dict, field: str, value: date | None, label: str) -> None:
    if value is not None and value > timezone.localdate():
        errors.setdefault(field, []).append(
            _("%(field)s cannot be in the future.") % {"field": label}
        )
