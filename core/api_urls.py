from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api_accounts

router = SimpleRouter()
router.register("role-requests", api_accounts.RoleGrantRequestViewSet, basename="role-request")
urlpatterns = [
    path(
        "users/<int:pk>/password-reset-link/",
        api_accounts.PasswordResetLinkView.as_view(),
        name="password-reset-link",
    ),
    *router.urls,
]
