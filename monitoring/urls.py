from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("escalations/", views.escalations, name="escalations"),
    path("missed/", views.missed_report, name="missed"),
    path("courses/<int:pk>/end/", views.end_monitoring, name="end"),
    path(
        "escalations/<int:pk>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path("tasks/<int:pk>/take/", views.task_take, name="task_take"),
    path("courses/<int:pk>/", views.course_page, name="course"),
    path("courses/<int:pk>/chart.json", views.chart_data, name="chart_data"),
    path("courses/<int:pk>/assess/", views.assess, name="assess"),
    path("courses/<int:pk>/grade-preview/", views.grade_preview, name="grade_preview"),
    path("courses/<int:pk>/interventions/new/", views.intervention_new, name="intervention_new"),
]
