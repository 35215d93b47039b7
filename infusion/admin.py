from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import (
    Administration,
    BridgingTherapy,
    Day0Change,
    Day0Correction,
    GateOverride,
    GateReview,
    InfusionRecord,
    LymphodepletionPlan,
    PlannedDose,
    PreInfusionCheck,
    TocilizumabStockCheck,
    VitalSignLimit,
)

_COURSE = ["course__patient", "course__product"]


@admin.register(VitalSignLimit)
class VitalSignLimitAdmin(SimpleHistoryAdmin):
    """Institutional defaults the administrator reviews and may change."""

    list_display = ["code", "min_value", "max_value", "verified", "source"]


@admin.register(BridgingTherapy)
class BridgingTherapyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "regimen", "started_on", "ended_on", "response"]
    list_select_related = _COURSE


@admin.register(LymphodepletionPlan)
class LymphodepletionPlanAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "regimen_key", "bsa_m2", "crcl_ml_min", "version", "created_by"]
    list_select_related = [*_COURSE, "created_by"]


@admin.register(PlannedDose)
class PlannedDoseAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["plan", "drug", "day_number", "planned_on", "dose_mg", "omitted"]
    list_select_related = ["plan__course__patient", "plan__course__product"]


@admin.register(Administration)
class AdministrationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["planned_dose", "given_at", "dose_given_mg", "batch_number", "deviation"]


@admin.register(Day0Change)
class Day0ChangeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "old_date", "new_date", "changed_by", "changed_at"]
    list_select_related = [*_COURSE, "changed_by"]


@admin.register(Day0Correction)
class Day0CorrectionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "old_day0_date", "new_day0_date", "corrected_by", "corrected_at"]
    list_select_related = [*_COURSE, "corrected_by"]


@admin.register(TocilizumabStockCheck)
class TocilizumabStockCheckAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "doses_available", "confirmed_by", "confirmed_at"]


@admin.register(PreInfusionCheck)
class PreInfusionCheckAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "checked_at", "temperature_c", "checked_by"]


@admin.register(GateOverride)
class GateOverrideAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "item", "observed", "overridden_by", "overridden_at"]


@admin.register(GateReview)
class GateReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "review_date", "passed", "reviewed_by", "superseded_at"]


@admin.register(InfusionRecord)
class InfusionRecordAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "started_at", "ended_at", "bags_infused", "recorded_by"]
