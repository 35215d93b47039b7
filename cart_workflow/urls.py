from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from core.api_tokens import OwnApiTokensView, OwnApiTokenView, obtain_api_token
from home.views import home
from patients.api import CourseViewSet, PatientViewSet, ProductViewSet
from sso.forms import DirectoryAwareAuthenticationForm


@login_not_required
def admin_login_redirect(request):
    return redirect_to_login(request.GET.get("next") or "/admin/")


router = DefaultRouter()
# No ".json" suffix routes: one address per resource.
router.include_format_suffixes = False
router.register("patients", PatientViewSet, basename="patient")
router.register("courses", CourseViewSet, basename="course")
router.register("products", ProductViewSet, basename="product")

urlpatterns = [
    path("", home, name="home"),
    # The login page lives here, not in core: its form asks the directory (sso), and core
    # imports no app (README, Architecture).
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            authentication_form=DirectoryAwareAuthenticationForm,
        ),
        name="login",
    ),
    path("", include("core.urls")),
    path("patients/", include("patients.urls")),
    path("eligibility/", include("eligibility.urls")),
    path("apheresis/", include("apheresis.urls")),
    path("infusion/", include("infusion.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("follow-up/", include("followup.urls")),
    path("reports/", include("reports.urls")),
    path("interfaces/", include("interfaces.urls")),
    path("fhir/", include("interfaces.fhir_urls")),
    path("accounts/sso/", include("sso.urls")),
    # One login page for the whole site, so lockout and second factor apply to the admin too.
    path("admin/login/", admin_login_redirect),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/", include("eligibility.api_urls")),
    path("api/", include("apheresis.api_urls")),
    path("api/", include("infusion.api_urls")),
    path("api/", include("monitoring.api_urls")),
    path("api/", include("followup.api_urls")),
    path("api/", include("reports.api_urls")),
    path("api/", include("core.api_urls")),
    path("api/auth/token/", obtain_api_token, name="api-token"),
    path("api/auth/tokens/", OwnApiTokensView.as_view(), name="api-own-tokens"),
    path("api/auth/tokens/<int:pk>/", OwnApiTokenView.as_view(), name="api-own-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
