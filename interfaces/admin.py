from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import HospitalStay, InboundMessage, LocalLabCode, Reconciliation, WardCode


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "channel", "message_type", "control_id", "mrn", "status"]
    list_filter = ["channel", "status", "message_type"]
    search_fields = ["control_id", "mrn", "outcome"]
    exclude = ["raw"]


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["patient", "status", "created_at", "resolved_by"]
    list_filter = ["status"]


@admin.register(HospitalStay)
class HospitalStayAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["patient", "visit_number", "admitted_at", "discharged_at"]


@admin.register(WardCode)
class WardCodeAdmin(SimpleHistoryAdmin):
    """The HIS's location codes for our wards: administrators keep this table."""

    list_display = ["his_code", "ward"]
    search_fields = ["his_code"]


@admin.register(LocalLabCode)
class LocalLabCodeAdmin(SimpleHistoryAdmin):
    """The laboratory's own test codes, for results sent without a LOINC code."""

    list_display = ["local_code", "analyte", "unit"]
    search_fields = ["local_code"]
