"""REST endpoints of collection and manufacturing: the same services and rules as the pages.
The custody log and bag verifications are append-only here too: no PUT, PATCH or DELETE.

A package (split by concern); every name stays importable from ``apheresis.api``."""

from .serializers import (
    BagVerificationSerializer,
    CancelSerializer,
    ChainOfIdentitySerializer,
    CheckSerializer,
    CollectionSerializer,
    CorrectionSerializer,
    CustodyEventSerializer,
    ManufacturingSerializer,
    OutOfSpecSerializer,
    OverrideRecordSerializer,
    OverrideSerializer,
    ReceiptSerializer,
    ScheduleSerializer,
    VeinToVeinSerializer,
)
from .views import (
    READ_ONLY_METHODS,
    BagVerificationViewSet,
    ChainOfIdentityViewSet,
    CoiFilter,
    CollectionFilter,
    CollectionViewSet,
    CustodyEventViewSet,
    CustodyFilter,
    ScheduleFilter,
    ScheduleViewSet,
    VerificationFilter,
    Writes,
)

__all__ = [
    "BagVerificationSerializer",
    "BagVerificationViewSet",
    "CancelSerializer",
    "ChainOfIdentitySerializer",
    "ChainOfIdentityViewSet",
    "CheckSerializer",
    "CoiFilter",
    "CollectionFilter",
    "CollectionSerializer",
    "CollectionViewSet",
    "CorrectionSerializer",
    "CustodyEventSerializer",
    "CustodyEventViewSet",
    "CustodyFilter",
    "ManufacturingSerializer",
    "OutOfSpecSerializer",
    "OverrideRecordSerializer",
    "OverrideSerializer",
    "READ_ONLY_METHODS",
    "ReceiptSerializer",
    "ScheduleFilter",
    "ScheduleSerializer",
    "ScheduleViewSet",
    "VeinToVeinSerializer",
    "VerificationFilter",
    "Writes",
]
