from django.contrib.auth import views as auth_views
from django.urls import path

from sso.forms import DirectoryAwareAuthenticationForm

from . import views
from .forms import StyledPasswordChangeForm

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("language/", views.set_language, name="set_language"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            authentication_form=DirectoryAwareAuthenticationForm,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/second-factor/", views.otp_verify, name="otp_verify"),
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
]
