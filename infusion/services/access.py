"""Who may write, and the checks every infusion service shares (locks, times, versions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.permissions import BEDSIDE_ROLES, works_at_bedside
from core.roles import Role
from core.versioning import check_version
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

# A bedside clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)

BRIDGING_STAGES = frozenset({Stage.APHERESIS, Stage.MANUFACTURING, Stage.BRIDGING})
PLANNABLE_STAGES = frozenset({Stage.MANUFACTURING, Stage.BRIDGING, Stage.LYMPHODEPLETION})
BEDSIDE_VERIFIERS = BEDSIDE_ROLES  # core.permissions: one definition of bedside staff


# --- Access --------------------------------------------------------------------------------


def is_clinician(user) -> bool:
    return user.is_authenticated and user.has_role(Role.CLINICIAN)


def is_pharmacist(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PHARMACIST)


def is_nurse(user) -> bool:
    return user.is_authenticated and user.has_role(Role.NURSE)


def can_verify_bag(user) -> bool:
    return works_at_bedside(user)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_visible(by: User, course: TreatmentCourse) -> None:
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))


def _lock_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _aware(field: str, moment) -> None:
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise ValidationError({field: _("Enter a date and time.")})


def _not_future(field: str, moment: datetime) -> None:
    if moment > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: _("This time cannot be in the future.")})


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _stage_label(course: TreatmentCourse) -> str:
    return str(course.get_stage_display())


def _check_version(record, expected_version: int | None) -> None:
    check_version(record, expected_version, optional=True)
