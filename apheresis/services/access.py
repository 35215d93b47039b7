"""Who may write apheresis records, and the checks every apheresis write shares."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.roles import Role
from core.versioning import check_version
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

from .. import rules

# The apheresis coordinator records collections, custody, manufacturing and receipt;
# clinicians may too. Only clinicians override a failed pre-collection check.
WRITER_ROLES = (Role.APHERESIS_COORDINATOR, Role.CLINICIAN)
OVERRIDE_ROLES = (Role.CLINICIAN,)
# Nurses (their own wards) scan bags; so do the coordinator and clinicians.
VERIFIER_ROLES = (Role.NURSE, Role.APHERESIS_COORDINATOR, Role.CLINICIAN)

SCHEDULABLE_STAGES = frozenset({Stage.ELIGIBLE, Stage.CONSENTED, Stage.APHERESIS})
COLLECTABLE_STAGES = frozenset({Stage.CONSENTED, Stage.APHERESIS})

SCHEDULE_FIELDS = (
    "manufacturer_slot_ref",
    "collection_date",
    "collection_site",
    "venous_access",
    "alc_10e9_l",
    "cd3_cells_per_ul",
    "counts_drawn_on",
    "notes",
)
MANUFACTURING_FIELDS = (
    "manufacturer_order_ref",
    "lot_number",
    "status",
    "manufacturing_started_on",
    "expected_release_on",
    "released_on",
    "failure_reason",
)

# Release certificates: PDF or a photograph of it, at most this size (institutional default).
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
CERTIFICATE_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


# --- Access --------------------------------------------------------------------------------


def can_write(user) -> bool:
    return user.is_authenticated and user.has_role(*WRITER_ROLES)


def can_override(user) -> bool:
    return user.is_authenticated and user.has_role(*OVERRIDE_ROLES)


def can_verify(user) -> bool:
    return user.is_authenticated and user.has_role(*VERIFIER_ROLES)


def _require_writer(by: User, course: TreatmentCourse) -> None:
    if not can_write(by):
        raise PermissionDenied(
            _("Only the apheresis coordinator and clinicians record collection and custody.")
        )
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))


def _lock_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _aware(field: str, moment) -> None:
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise ValidationError({field: _("Enter a date and time.")})


def _not_future(field: str, moment: datetime) -> None:
    if moment > timezone.now() + rules.CLOCK_SKEW:
        raise ValidationError({field: _("This time cannot be in the future.")})


def _stale(record, expected_version: int) -> None:
    check_version(record, expected_version)
