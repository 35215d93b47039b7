"""Who reaches the reports. Kept here until the lead folds it into core/permissions.py.

Exports (patient-level data) go to administrators, whose job it is, and auditors; every
export is logged. The dashboard shows aggregates only: clinicians, administrators and
auditors. Nurses, apheresis coordinators and pharmacists reach neither.
"""

from rest_framework import permissions

from core.roles import Role

EXPORT_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})
DASHBOARD_ROLES = frozenset({Role.CLINICIAN, Role.ADMINISTRATOR, Role.AUDITOR})
# Recomputing the figures now writes the stored snapshot: not the auditor, who changes nothing.
DASHBOARD_REFRESH_ROLES = frozenset({Role.CLINICIAN, Role.ADMINISTRATOR})


def can_export(user) -> bool:
    return user.is_authenticated and user.has_role(*EXPORT_ROLES)


def can_see_dashboard(user) -> bool:
    return user.is_authenticated and user.has_role(*DASHBOARD_ROLES)


def can_refresh_dashboard(user) -> bool:
    return user.is_authenticated and user.has_role(*DASHBOARD_REFRESH_ROLES)


class Exports(permissions.BasePermission):
    message = "Only administrators and auditors may export data."

    def has_permission(self, request, view):
        return can_export(request.user)


class Dashboard(permissions.BasePermission):
    message = "Only clinicians, administrators and auditors see the programme dashboard."

    def has_permission(self, request, view):
        return can_see_dashboard(request.user) and request.method in permissions.SAFE_METHODS


class DashboardRefresh(permissions.BasePermission):
    message = "Only clinicians and administrators may recompute the dashboard's figures."

    def has_permission(self, request, view):
        return can_refresh_dashboard(request.user)
