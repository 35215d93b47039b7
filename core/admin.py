from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Notification, User, Ward, WorkerHeartbeat


class ReadOnlyAdminMixin:
    """Clinical records change only through their services, never by hand in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ward)
class WardAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "is_active", "role_list"]
    list_filter = ["groups", "wards", "is_active"]
    # No password field: not even its hash's algorithm and salt are anyone else's business.
    fieldsets = (
        (None, {"fields": ("username",)}),
        *DjangoUserAdmin.fieldsets[1:],
        (_("Programme"), {"fields": ("wards", "language")}),
    )
    filter_horizontal = ["groups", "user_permissions", "wards"]

    @admin.display(description=_("roles"))
    def role_list(self, user):
        return ", ".join(user.role_labels)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "beat_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recipient", "subject", "created_at", "read_at"]
    list_select_related = ["recipient"]
