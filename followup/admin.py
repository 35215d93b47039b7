from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import (
    Discharge,
    FollowUpVisit,
    Infection,
    LateAdverseEvent,
    ScheduledVisit,
    SubsequentTherapy,
    VisitReminder,
)


@admin.register(Discharge)
class DischargeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "discharge_date", "stay_near_centre_until", "no_driving_until"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]
    list_select_related = ["course__patient", "course__product"]


@admin.register(ScheduledVisit)
class ScheduledVisitAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "code", "target_date", "window_start", "window_end", "visit_state"]
    list_filter = ["visit_state", "code"]
    search_fields = ["course__patient__mrn"]
    list_select_related = ["course__patient", "course__product"]


class InfectionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Infection
    extra = 0


class LateAdverseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LateAdverseEvent
    extra = 0


class SubsequentTherapyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SubsequentTherapy
    extra = 0


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["course", "visit_date", "lugano_response", "vital_status", "recorded_by"]
    list_filter = ["lugano_response", "vital_status"]
    search_fields = ["course__patient__mrn", "course__patient__family_name"]
    list_select_related = ["course__patient", "course__product", "recorded_by"]
    inlines = [InfectionInline, LateAdverseEventInline, SubsequentTherapyInline]


@admin.register(Infection, LateAdverseEvent, SubsequentTherapy)
class FollowUpDetailAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "visit"]
    list_select_related = ["visit__course__patient"]


@admin.register(VisitReminder)
class VisitReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["scheduled_visit", "reminder_kind", "created_at", "sent_at", "skipped"]
    list_filter = ["reminder_kind", "skipped"]
    list_select_related = ["scheduled_visit__course__patient"]
