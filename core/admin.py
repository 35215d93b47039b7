from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Notification,
    OutboxMessage,
    RoleGrantRequest,
    Signature,
    User,
    Ward,
    WorkerHeartbeat,
)
from .permissions import can_run_message_delivery


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


class StaffCreationForm(forms.ModelForm):
    """A new account has no password: the user sets her own through a one-time link."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    """Accounts, without the keys to the building (issue 14): no field here sets a password,
    superuser status, staff status, roles, wards or permissions. Roles and wards change through
    role requests approved by a second administrator; passwords through a reset link the user
    completes; superusers only with `createsuperuser` on the server."""

    list_display = ["username", "first_name", "last_name", "is_active", "role_list"]
    list_filter = ["groups", "wards", "is_active"]
    add_form = StaffCreationForm
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email")}),)
    fieldsets = (
        (None, {"fields": ("username", "account_actions")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Access"),
            {"fields": ("is_active", "role_list", "ward_list", "is_staff", "is_superuser")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("Programme"), {"fields": ("language",)}),
    )
    readonly_fields = [
        "account_actions",
        "role_list",
        "ward_list",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
    filter_horizontal = []

    @admin.display(description=_("roles"))
    def role_list(self, user):
        return ", ".join(user.role_labels)

    @admin.display(description=_("wards"))
    def ward_list(self, user):
        return ", ".join(str(w) for w in user.wards.all())

    @admin.display(description=_("account"))
    def account_actions(self, user):
        if not user.pk:
            return ""
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("role_requests") + f"?user={user.pk}",
            _("Roles and wards: request or revoke"),
            reverse("password_reset_link", args=[user.pk]),
            _("Issue a password-reset link"),
        )

    def has_change_permission(self, request, obj=None):
        # A superuser's account is managed by superusers only (on the server).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        old_email = form.initial.get("email", "") if change else obj.email
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            from .role_grants import user_email_changed

            user_email_changed(by=request.user, user=obj, old_email=old_email or "")

    def user_change_password(self, request, id, form_url=""):
        """Nobody sets another user's password: issue a reset link instead."""
        raise PermissionDenied


@admin.register(RoleGrantRequest)
class RoleGrantRequestAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only: requests are made and decided on the role requests page and the API."""

    list_display = ["user", "role", "state", "requested_by", "decided_by", "created_at"]
    list_filter = ["state", "role"]
    list_select_related = ["user", "requested_by", "decided_by"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Every electronic signature (MDT decisions, plan verifications, gate reviews, bag
    checks, ends of monitoring), for the auditor."""

    list_display = [
        "content_type",
        "object_id",
        "meaning",
        "signer_name",
        "signed_at",
        "record_version",
        "voided_at",
    ]
    list_filter = ["content_type", "meaning"]
    list_select_related = ["content_type"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "beat_at"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recipient", "subject", "created_at", "read_at"]
    list_select_related = ["recipient"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was sent to whom and when, and what waits or failed. Read-only; the message text
    is never shown (a password-reset link works like a key), only its identifier-free
    subject. Administrators may send failed or waiting messages again."""

    list_display = [
        "recipient",
        "channel",
        "subject",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["state", "channel"]
    list_select_related = ["recipient"]
    search_fields = ["source_key", "recipient__username", "address"]
    fields = [
        "recipient",
        "channel",
        "address",
        "source_key",
        "subject",
        "message_id",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_retry_permission(self, request) -> bool:
        return can_run_message_delivery(request.user)

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        from .services import outbox_messages_retry_now

        retried = outbox_messages_retry_now(
            by=request.user, message_ids=queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            _("Messages to be sent again now: %(count)d.") % {"count": retried},
            messages.SUCCESS,
        )
