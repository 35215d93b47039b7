"""REST endpoints: the same services and role rules as the pages.

One module per concern: common (roles, the service call, course filters), bridging, plans,
plan_signing, day0, gate and infusions. api_urls registers the viewsets from here."""

from .bridging import (
    BridgingFilter,
    BridgingTherapySerializer,
    BridgingViewSet,
)
from .common import (
    BEDSIDE,
    CLINICIAN,
    NURSE,
    PHARMACIST,
    CourseFilter,
    VisibleCourseField,
)
from .day0 import (
    Day0ChangeSerializer,
    Day0ChangeViewSet,
    Day0CorrectionSerializer,
    Day0CorrectionViewSet,
    Day0Filter,
)
from .gate import (
    CheckFilter,
    GateOverrideSerializer,
    GateOverrideViewSet,
    GateReviewSerializer,
    GateViewSet,
    InfusionGateItemSerializer,
    InfusionGateSerializer,
    OverrideFilter,
    PreInfusionCheckSerializer,
    PreInfusionCheckViewSet,
    SignSerializer,
    StockFilter,
    StockViewSet,
    TocilizumabStockSerializer,
)
from .infusions import (
    InfusionFilter,
    InfusionRecordSerializer,
    InfusionViewSet,
)
from .plan_signing import (
    PlanSignatureSerializer,
    PlanVerifySerializer,
)
from .plans import (
    AdministerDoseSerializer,
    DoseAdministrationSerializer,
    DoseDecisionSerializer,
    DoseFilter,
    PlanFilter,
    PlannedDoseSerializer,
    PlannedDoseViewSet,
    PlanRecalculateSerializer,
    PlanSerializer,
    PlanViewSet,
)

__all__ = [
    "AdministerDoseSerializer",
    "BEDSIDE",
    "BridgingFilter",
    "BridgingTherapySerializer",
    "BridgingViewSet",
    "CLINICIAN",
    "CheckFilter",
    "CourseFilter",
    "Day0ChangeSerializer",
    "Day0ChangeViewSet",
    "Day0CorrectionSerializer",
    "Day0CorrectionViewSet",
    "Day0Filter",
    "DoseAdministrationSerializer",
    "DoseDecisionSerializer",
    "DoseFilter",
    "GateOverrideSerializer",
    "GateOverrideViewSet",
    "GateReviewSerializer",
    "GateViewSet",
    "InfusionFilter",
    "InfusionGateItemSerializer",
    "InfusionGateSerializer",
    "InfusionRecordSerializer",
    "InfusionViewSet",
    "NURSE",
    "OverrideFilter",
    "PHARMACIST",
    "PlanFilter",
    "PlanRecalculateSerializer",
    "PlanSerializer",
    "PlanSignatureSerializer",
    "PlanVerifySerializer",
    "PlanViewSet",
    "PlannedDoseSerializer",
    "PlannedDoseViewSet",
    "PreInfusionCheckSerializer",
    "PreInfusionCheckViewSet",
    "SignSerializer",
    "StockFilter",
    "StockViewSet",
    "TocilizumabStockSerializer",
    "VisibleCourseField",
]
