from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import Patient, StageEvent, TreatmentCourse, WardTransfer


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "diagnosis", "ward", "merged_into"]
    list_filter = ["diagnosis", "ward"]
    search_fields = ["mrn", "family_name", "given_name", "national_id"]
    list_select_related = ["ward"]


class StageEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StageEvent
    extra = 0
    fields = ["effective_date", "from_stage", "to_stage", "changed_by", "reason", "occurred_at"]
    readonly_fields = fields


@admin.register(TreatmentCourse)
class TreatmentCourseAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["patient", "product", "stage", "referred_on", "day0_date"]
    list_filter = ["stage", "product"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient", "product"]
    # A course enters a stage only through the service that records its evidence
    # (patients/stage_entry.py), never by editing the field here.
    readonly_fields = ["stage"]
    inlines = [StageEventInline]


@admin.register(WardTransfer)
class WardTransferAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["patient", "from_ward", "to_ward", "transferred_at", "source", "recorded_by"]
    list_filter = ["source", "to_ward"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient", "from_ward", "to_ward", "recorded_by"]
