from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import (
    AssessmentViewSet,
    EscalationViewSet,
    GradePreviewView,
    InterventionViewSet,
    LabResultViewSet,
    TaskViewSet,
)
from .api_ending import MissedAssessmentViewSet, MonitoringEndViewSet, MonitoringStatusView

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("interventions", InterventionViewSet, basename="intervention")
router.register("monitoring-tasks", TaskViewSet, basename="monitoring-task")
router.register("lab-results", LabResultViewSet, basename="lab-result")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("monitoring-ends", MonitoringEndViewSet, basename="monitoring-end")
router.register("missed-assessments", MissedAssessmentViewSet, basename="missed-assessment")
urlpatterns = router.urls + [
    path("grading/preview/", GradePreviewView.as_view(), name="grading-preview"),
    path(
        "monitoring-status/<int:pk>/",
        MonitoringStatusView.as_view(),
        name="monitoring-status",
    ),
]
