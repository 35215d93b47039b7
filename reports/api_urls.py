from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, history_api

router = SimpleRouter()
router.register("reports/export-jobs", api.ExportJobViewSet, basename="export-job")
router.register("reports/export-log", api.ExportLogViewSet, basename="export-log")
urlpatterns = [
    path("reports/dashboard/", api.DashboardView.as_view(), name="reports-dashboard"),
    path(
        "reports/dashboard/refresh/",
        api.DashboardRefreshView.as_view(),
        name="reports-dashboard-refresh",
    ),
    path("reports/exports/<slug:dataset>.csv", api.ExportCsvView.as_view(), name="reports-export"),
    path(
        "reports/fhir/courses/<int:pk>/",
        api.FhirCourseBundleView.as_view(),
        name="reports-fhir-course",
    ),
    path(
        "reports/history/patients/<int:pk>/",
        history_api.PatientHistoryView.as_view(),
        name="reports-patient-history",
    ),
    path(
        "reports/history/courses/<int:pk>/",
        history_api.CourseHistoryView.as_view(),
        name="reports-course-history",
    ),
    *router.urls,
]
