"""Role rules in one place: views, API and templates ask here, never test groups themselves."""

from django.core.exceptions import PermissionDenied
from rest_framework import permissions

from .roles import PATIENT_EDITORS, PATIENT_READERS, PROGRAMME_WIDE_READERS, Role


def can_read_patients(user) -> bool:
    return user.is_authenticated and user.has_role(*PATIENT_READERS)


def reads_whole_programme(user) -> bool:
    return user.is_authenticated and user.has_role(*PROGRAMME_WIDE_READERS)


def can_edit_patients(user) -> bool:
    return user.is_authenticated and user.has_role(*PATIENT_EDITORS)


# Who works at the bedside: checks the bag, records assessments and doses, starts the
# infusion. One definition for every stage (issue 15: it was written out in five places).
BEDSIDE_ROLES = (Role.NURSE, Role.CLINICIAN)


def works_at_bedside(user) -> bool:
    return user.is_authenticated and user.has_role(*BEDSIDE_ROLES)


def is_his_interface(user) -> bool:
    """The account the hospital information system's feeds (HL7 listener, FHIR) act as: it
    holds the `interfaces.feed_from_his` permission, no clinical role."""
    return user.is_authenticated and user.is_active and user.has_perm("interfaces.feed_from_his")


def can_transfer_patient(user, patient) -> bool:
    """A ward move: a clinician, a nurse of the sending ward, or the HIS's ADT feed."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.CLINICIAN) or is_his_interface(user):
        return True
    return user.has_role(Role.NURSE) and user.wards.filter(pk=patient.ward_id).exists()


def can_see_programme_counts(user) -> bool:
    """Stage counts on the home page: aggregate numbers, no patient identity."""
    return user.is_authenticated and bool(user.roles)


def can_manage_accounts(user) -> bool:
    """Administrators manage accounts: ask for and approve role changes, issue reset links.
    What they may never do to themselves is checked in core.role_grants."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def can_run_message_delivery(user) -> bool:
    """Administrators run the service, mail delivery included: they may send a failed or
    waiting outbox message again ("retry now"). Auditors read the outbox, change nothing."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def can_review_missed_assessments(user) -> bool:
    """The missed-assessment report: clinicians and auditors (issue 16 item 3)."""
    return user.is_authenticated and user.has_role(Role.CLINICIAN, Role.AUDITOR)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class ReadsPatients(permissions.BasePermission):
    """Read for every patient reader; writes only for clinicians."""

    message = "Your role may not do this with patient records."

    def has_permission(self, request, view):
        if not can_read_patients(request.user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        write_roles = getattr(view, "write_roles", PATIENT_EDITORS)
        return request.user.has_role(*write_roles)


__all__ = [
    "Role",
    "ReadsPatients",
    "can_edit_patients",
    "can_manage_accounts",
    "can_review_missed_assessments",
    "can_run_message_delivery",
    "can_read_patients",
    "can_transfer_patient",
    "is_his_interface",
    "can_see_programme_counts",
    "reads_whole_programme",
    "require",
]
