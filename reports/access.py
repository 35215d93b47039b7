"""Who reaches the reports. Kept here until the lead folds it into core/permissions.py.

Exports (issue 14, item 4). Administrators, auditors and clinicians export; an administrator's
export is always pseudonymised (study codes for MRNs, no names, birth year only, no typed free
text: reports/pseudonymise.py). An identifiable export (and a FHIR bundle, which is a chart)
needs the auditor or clinician role and a stated purpose. Every export is logged with its
kind and purpose; the export log is read by administrators and auditors.

The dashboard shows aggregates only: clinicians, administrators and auditors. Nurses, apheresis
coordinators and pharmacists reach neither.
"""

from rest_framework import permissions

from core.roles import Role

EXPORT_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.CLINICIAN})
IDENTIFIABLE_EXPORT_ROLES = frozenset({Role.AUDITOR, Role.CLINICIAN})
EXPORT_LOG_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})
DASHBOARD_ROLES = frozenset({Role.CLINICIAN, Role.ADMINISTRATOR, Role.AUDITOR})
# Recomputing the figures now writes the stored snapshot: not the auditor, who changes nothing.
DASHBOARD_REFRESH_ROLES = frozenset({Role.CLINICIAN, Role.ADMINISTRATOR})
# A stated purpose is at least this long ("x" is not a purpose).
PURPOSE_MIN_LENGTH = 10


def can_export(user) -> bool:
    return user.is_authenticated and user.has_role(*EXPORT_ROLES)


def can_export_identifiable(user) -> bool:
    return user.is_authenticated and user.has_role(*IDENTIFIABLE_EXPORT_ROLES)


def can_read_export_log(user) -> bool:
    return user.is_authenticated and user.has_role(*EXPORT_LOG_ROLES)


def can_see_dashboard(user) -> bool:
    return user.is_authenticated and user.has_role(*DASHBOARD_ROLES)


def can_refresh_dashboard(user) -> bool:
    return user.is_authenticated and user.has_role(*DASHBOARD_REFRESH_ROLES)


class Exports(permissions.BasePermission):
    message = "Only administrators (pseudonymised), auditors and clinicians may export data."

    def has_permission(self, request, view):
        return can_export(request.user)


class IdentifiableExports(permissions.BasePermission):
    message = "Identifiable exports and FHIR bundles need the auditor or clinician role."

    def has_permission(self, request, view):
        return can_export_identifiable(request.user)


class ExportLogReaders(permissions.BasePermission):
    message = "Only administrators and auditors read the export log."

    def has_permission(self, request, view):
        return can_read_export_log(request.user)


class Dashboard(permissions.BasePermission):
    message = "Only clinicians, administrators and auditors see the programme dashboard."

    def has_permission(self, request, view):
        return can_see_dashboard(request.user) and request.method in permissions.SAFE_METHODS


class DashboardRefresh(permissions.BasePermission):
    message = "Only clinicians and administrators may recompute the dashboard's figures."

    def has_permission(self, request, view):
        return can_refresh_dashboard(request.user)
