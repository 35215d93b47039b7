"""REST API for follow-up: discharges, visits, the schedule and outcomes.

A package (split by concern); every name stays importable from ``followup.api``."""

from .discharge import (
    CourseFilter,
    DischargeFilter,
    DischargeSerializer,
    DischargeViewSet,
    VisibleCourseField,
)
from .outcomes import (
    FollowUpCourseFilter,
    FollowUpCourseSerializer,
    FollowUpCourseViewSet,
    OutcomeSerializer,
    RealignResultSerializer,
    SurvivalSerializer,
)
from .schedule import WORKLISTS, ScheduledVisitSerializer, ScheduleFilter, ScheduleViewSet
from .visits import (
    InfectionSerializer,
    LateAdverseEventSerializer,
    ManufacturerReportSerializer,
    ManufacturerReportViewSet,
    SubsequentTherapySerializer,
    VisitFilter,
    VisitSerializer,
    VisitViewSet,
)

__all__ = [
    "CourseFilter",
    "DischargeFilter",
    "DischargeSerializer",
    "DischargeViewSet",
    "FollowUpCourseFilter",
    "FollowUpCourseSerializer",
    "FollowUpCourseViewSet",
    "InfectionSerializer",
    "LateAdverseEventSerializer",
    "ManufacturerReportSerializer",
    "ManufacturerReportViewSet",
    "OutcomeSerializer",
    "RealignResultSerializer",
    "ScheduleFilter",
    "ScheduleViewSet",
    "ScheduledVisitSerializer",
    "SubsequentTherapySerializer",
    "SurvivalSerializer",
    "VisibleCourseField",
    "VisitFilter",
    "VisitSerializer",
    "VisitViewSet",
    "WORKLISTS",
]
