from django.urls import path

from . import history_views, views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/refresh/", views.dashboard_refresh, name="dashboard_refresh"),
    path("dashboard/<slug:key>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("exports/", views.export_centre, name="exports"),
    path("exports/log/", views.export_log, name="export_log"),
    path("exports/fhir/", views.fhir_bundle, name="fhir_bundle"),
    path("exports/jobs/<int:pk>/", views.job_detail, name="job"),
    path("exports/jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("exports/jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("history/patients/<int:pk>/", history_views.patient_history, name="patient_history"),
    path("history/courses/<int:pk>/", history_views.course_history, name="course_history"),
]
