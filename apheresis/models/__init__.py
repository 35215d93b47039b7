"""Cell collection and manufacturing: chain of identity, collection schedules and their
pre-collection checks, collections, the chain of custody, manufacturing, product receipt and
bag verification.

One module per concern: append_only, collection (identity, schedules, collections),
custody, manufacturing, receipt (receipt and bag verification). Every public name is
re-exported here, so `from apheresis.models import X` keeps working.
"""

from .append_only import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet
from .collection import (
    ChainOfIdentity,
    CheckOverride,
    Collection,
    CollectionSchedule,
    ScheduleStatus,
    VenousAccess,
)
from .custody import CustodyEvent, CustodyKind
from .manufacturing import ManufacturingRecord, ManufacturingStatus, OutOfSpecResult
from .receipt import (
    BagVerification,
    ProductReceipt,
    ScanResult,
    VerificationPurpose,
    certificate_path,
)

__all__ = [
    "AppendOnlyError",
    "AppendOnlyQuerySet",
    "AppendOnlyModel",
    "ChainOfIdentity",
    "VenousAccess",
    "ScheduleStatus",
    "CollectionSchedule",
    "CheckOverride",
    "Collection",
    "CustodyKind",
    "CustodyEvent",
    "ManufacturingStatus",
    "ManufacturingRecord",
    "OutOfSpecResult",
    "certificate_path",
    "ProductReceipt",
    "VerificationPurpose",
    "ScanResult",
    "BagVerification",
]
