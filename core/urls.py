from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_accounts
from .forms import StyledPasswordChangeForm, StyledSetPasswordForm

urlpatterns = [
    # /health/ stays the readiness check (compose and older probes call it).
    path("health/", views.health_ready, name="health"),
    path("health/live/", views.health_live, name="health_live"),
    path("health/ready/", views.health_ready, name="health_ready"),
    path("language/", views.set_language, name="set_language"),
    path("notifications/", views.notifications, name="notifications"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/second-factor/", views.otp_verify, name="otp_verify"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html", form_class=StyledPasswordChangeForm
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    # Account management (issue 14): roles with a second administrator's approval, and
    # one-time password-reset links the user completes herself.
    path("accounts/roles/", views_accounts.role_requests, name="role_requests"),
    path(
        "accounts/roles/<int:pk>/decide/",
        views_accounts.role_request_decide,
        name="role_request_decide",
    ),
    path("accounts/roles/revoke/", views_accounts.role_revoke, name="role_revoke"),
    path(
        "accounts/staff/<int:pk>/password-reset-link/",
        views_accounts.password_reset_link,
        name="password_reset_link",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            form_class=StyledSetPasswordForm,
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
