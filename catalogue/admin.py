"""The catalogue in the admin: administrators edit, with history (simple-history); auditors
read (core/role_permissions.py)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import CarTProduct, ProductIndication, ProductLabel, Threshold


class CatalogueAdmin(SimpleHistoryAdmin):
    """Saves (including a revert from the history page) go through the catalogue's service."""

    def save_model(self, request, obj, form, change):
        services.catalogue_row_save(by=request.user, row=obj)


@admin.register(ProductLabel)
class ProductLabelAdmin(CatalogueAdmin):
    list_display = [
        "product",
        "monitoring_window_days",
        "proximity_restriction_weeks",
        "driving_restriction_weeks",
        "verified",
    ]
    list_filter = ["verified"]
    list_select_related = ["product"]


@admin.register(ProductIndication)
class ProductIndicationAdmin(CatalogueAdmin):
    list_display = [
        "product",
        "diagnosis",
        "description",
        "min_prior_lines",
        "ecog_max",
        "lymphodepletion_regimen_key",
        "verified",
        "active",
    ]
    list_filter = ["product", "diagnosis", "verified", "active"]
    search_fields = ["description", "product__short_name"]
    list_select_related = ["product"]


@admin.register(Threshold)
class ThresholdAdmin(CatalogueAdmin):
    list_display = ["key", "value", "unit", "verified", "source"]
    list_filter = ["verified"]

    def get_readonly_fields(self, request, obj=None):
        # The key names what the rules read: an edit changes the value, never the meaning.
        return ["key", "unit"] if obj is not None else ["unit"]

    def has_add_permission(self, request):
        # Every threshold the rules know is seeded; a new key would mean nothing to them.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CarTProduct)
class CarTProductAdmin(CatalogueAdmin):
    list_display = [
        "short_name",
        "name",
        "generic_name",
        "target_antigen",
        "manufacturer",
        "active",
    ]
    list_filter = ["target_antigen", "active"]
    search_fields = ["short_name", "name", "generic_name"]
