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

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("interventions", InterventionViewSet, basename="intervention")
router.register("monitoring-tasks", TaskViewSet, basename="monitoring-task")
router.register("lab-results", LabResultViewSet, basename="lab-result")
router.register("escalations", EscalationViewSet, basename="escalation")
urlpatterns = router.urls + [
    path("grading/preview/", GradePreviewView.as_view(), name="grading-preview"),
]
