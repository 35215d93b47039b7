from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("oidc/login/", views.OIDCLoginView.as_view(), name="oidc_login"),
    path("oidc/callback/", views.OIDCCallbackView.as_view(), name="oidc_callback"),
    path("failed/", views.login_failed, name="login_failed"),
    path("reauthenticate/", views.reauth_start, name="reauth_start"),
    path("reauthenticate/callback/", views.reauth_callback, name="reauth_callback"),
]
