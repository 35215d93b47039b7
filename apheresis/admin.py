from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ReadOnlyAdminMixin

from .models import (
    BagVerification,
    ChainOfIdentity,
    CheckOverride,
    Collection,
    CollectionSchedule,
    CustodyEvent,
    ManufacturingRecord,
    OutOfSpecResult,
    ProductReceipt,
)


class ReadOnlyClinicalAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Collection records change only through apheresis.services; the admin only reads."""

    actions = None  # not even "delete selected"


@admin.register(ChainOfIdentity)
class ChainOfIdentityAdmin(ReadOnlyClinicalAdmin):
    list_display = ["coi_id", "course", "issued_at", "issued_by"]
    search_fields = ["coi_id", "course__patient__mrn"]
    list_select_related = ["course__patient", "course__product", "issued_by"]


@admin.register(CollectionSchedule)
class CollectionScheduleAdmin(ReadOnlyClinicalAdmin):
    list_display = ["course", "collection_date", "manufacturer_slot_ref", "status"]
    list_filter = ["status"]
    search_fields = ["course__patient__mrn", "manufacturer_slot_ref"]
    list_select_related = ["course__patient", "course__product"]


@admin.register(CheckOverride)
class CheckOverrideAdmin(ReadOnlyClinicalAdmin):
    list_display = ["schedule", "check_code", "observed", "overridden_by", "overridden_at"]
    list_select_related = [
        "schedule__course__patient",
        "schedule__course__product",
        "overridden_by",
    ]


@admin.register(Collection)
class CollectionAdmin(ReadOnlyClinicalAdmin):
    list_display = ["coi_id", "course", "collected_at", "cd3_cells_10e9", "recorded_by"]
    search_fields = ["coi_id", "course__patient__mrn"]
    list_select_related = ["course__patient", "course__product", "recorded_by"]


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyClinicalAdmin):
    list_display = ["coi_id", "kind", "occurred_at", "place", "handled_by", "corrects", "void"]
    list_filter = ["kind", "void"]
    search_fields = ["coi_id"]
    list_select_related = ["corrects"]


@admin.register(ManufacturingRecord)
class ManufacturingRecordAdmin(ReadOnlyClinicalAdmin):
    list_display = ["coi_id", "status", "lot_number", "released_on"]
    list_filter = ["status"]
    search_fields = ["coi_id", "lot_number"]


@admin.register(OutOfSpecResult)
class OutOfSpecResultAdmin(ReadOnlyClinicalAdmin):
    list_display = ["manufacturing", "parameter", "result", "specification", "recorded_at"]


@admin.register(ProductReceipt)
class ProductReceiptAdmin(ReadOnlyClinicalAdmin):
    list_display = ["coi_id", "lot_number", "received_at", "storage_location"]
    search_fields = ["coi_id", "lot_number"]
    # The certificate is served by the apheresis pages with access checks, not as a media URL.
    exclude = ["release_certificate"]


@admin.register(BagVerification)
class BagVerificationAdmin(ReadOnlyClinicalAdmin):
    list_display = ["expected_coi_id", "result", "purpose", "verified_by", "verified_at"]
    list_filter = ["result", "purpose"]
    search_fields = ["expected_coi_id", "scanned_text"]
    list_select_related = ["verified_by"]
