from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import (
    ConsentRecord,
    MdtDecision,
    PriorLine,
    ScreeningAssessment,
    WashoutTherapy,
)

# --- Clinical records: read-only, with history ----------------------------------------------


class PriorLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PriorLine
    extra = 0
    fields = [
        "line_number",
        "regimen",
        "drug_classes",
        "start_date",
        "end_date",
        "best_response",
        "progression_date",
    ]
    readonly_fields = fields


class WashoutInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WashoutTherapy
    extra = 0
    fields = ["therapy_class", "description", "last_dose_date"]
    readonly_fields = fields


@admin.register(ScreeningAssessment)
class ScreeningAssessmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "assessed_on", "diagnosis", "ecog", "updated_by", "updated_at"]
    list_filter = ["diagnosis"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]
    list_select_related = ["course__patient", "course__product", "updated_by"]
    inlines = [PriorLineInline, WashoutInline]


@admin.register(MdtDecision)
class MdtDecisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "decision", "rule_result", "decided_on", "decided_by"]
    list_filter = ["decision", "rule_result"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]
    list_select_related = ["course__patient", "course__product", "decided_by"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "consented_on", "explained_by", "recorded_by"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]
    list_select_related = ["course__patient", "course__product", "explained_by", "recorded_by"]
