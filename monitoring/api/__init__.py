"""REST endpoints of the monitoring stage (serializers, filters, viewsets).

A package (split by concern); every name stays importable from ``monitoring.api``."""

from .serializers import (
    AcknowledgeSerializer,
    AssessmentSerializer,
    EscalationSerializer,
    GradePreviewSerializer,
    GradeResultSerializer,
    InterventionSerializer,
    LabResultSerializer,
    TaskSerializer,
)
from .views import (
    BEDSIDE,
    AssessmentFilter,
    AssessmentViewSet,
    BedsideWrites,
    EscalationFilter,
    EscalationViewSet,
    GradePreviewView,
    InterventionFilter,
    InterventionViewSet,
    LabResultViewSet,
    TaskFilter,
    TaskViewSet,
)

__all__ = [
    "AcknowledgeSerializer",
    "AssessmentFilter",
    "AssessmentSerializer",
    "AssessmentViewSet",
    "BEDSIDE",
    "BedsideWrites",
    "EscalationFilter",
    "EscalationSerializer",
    "EscalationViewSet",
    "GradePreviewSerializer",
    "GradePreviewView",
    "GradeResultSerializer",
    "InterventionFilter",
    "InterventionSerializer",
    "InterventionViewSet",
    "LabResultSerializer",
    "LabResultViewSet",
    "TaskFilter",
    "TaskSerializer",
    "TaskViewSet",
]
