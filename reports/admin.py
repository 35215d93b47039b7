from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import DashboardSnapshot, ExportJob, ExportLog


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The export log is evidence: nobody edits or deletes it, in the admin or elsewhere."""

    list_display = ["started_at", "user", "dataset", "file_format", "delivery", "row_count"]
    list_filter = ["dataset", "file_format", "delivery"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "requested_by", "dataset", "file_format", "status", "row_count"]
    list_filter = ["status", "dataset"]
    list_select_related = ["requested_by"]


@admin.register(DashboardSnapshot)
class DashboardSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The figures are computed by the service, never typed in."""

    list_display = ["scope_key", "computed_at", "compute_seconds", "last_viewed_at"]
