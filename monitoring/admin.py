from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import (
    Assessment,
    Escalation,
    Intervention,
    ManagementAdvice,
    MonitoringEnd,
    MonitoringTask,
    Reminder,
    VitalSignThreshold,
)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "assessed_at", "crs_grade", "icans_grade", "recorded_by"]
    list_filter = ["crs_grade", "icans_grade"]
    search_fields = ["course__patient__mrn"]
    list_select_related = ["course__patient", "course__product", "recorded_by"]


@admin.register(Intervention)
class InterventionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "kind", "given_at", "drug", "dose_mg", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["course__patient", "course__product", "recorded_by"]


@admin.register(MonitoringTask)
class MonitoringTaskAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "kind", "due_at", "taken_by", "done_at", "missed_at"]
    list_filter = ["kind"]
    list_select_related = ["course__patient", "course__product", "taken_by"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["task", "kind", "created_at", "sent_at"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "reason", "created_at", "notified_at", "acknowledged_by"]
    list_select_related = ["course__patient", "course__product", "acknowledged_by"]


@admin.register(VitalSignThreshold)
class VitalSignThresholdAdmin(SimpleHistoryAdmin):
    """Administrators edit a threshold with its source (monitoring/vitals.py)."""

    list_display = ["key", "value", "source", "verified"]
    readonly_fields = ["key"]

    def has_add_permission(self, request):
        return False  # one row per threshold, seeded by a migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ManagementAdvice)
class ManagementAdviceAdmin(SimpleHistoryAdmin):
    """The wording and source of each suggestion of monitoring/advice.py."""

    list_display = ["key", "source", "verified", "active"]
    readonly_fields = ["key"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonitoringEnd)
class MonitoringEndAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "ended_at", "ended_by"]
    list_select_related = ["course__patient", "course__product", "ended_by"]
