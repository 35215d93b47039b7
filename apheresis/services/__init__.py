"""Every write of cell collection and manufacturing. Views, API, admin and demo data call
these and nothing else; each checks the role again, whatever the caller checked.

A package (split by concern); every name stays importable from ``apheresis.services``."""

from core.versioning import StaleEditError

from .access import (
    CERTIFICATE_MAX_BYTES,
    CERTIFICATE_SIGNATURES,
    COLLECTABLE_STAGES,
    MANUFACTURING_FIELDS,
    OVERRIDE_ROLES,
    SCHEDULABLE_STAGES,
    SCHEDULE_FIELDS,
    VERIFIER_ROLES,
    WRITER_ROLES,
    can_override,
    can_verify,
    can_write,
)
from .bedside import bedside_verify
from .collection import (
    RECORDED_ELSEWHERE,
    _logged,
    collection_record,
    custody_chain,
    custody_correct,
    custody_record,
)
from .manufacturing import manufacturing_update, oos_record
from .receipt import bag_verify, certificate_limit_mb, product_receive, validate_certificate
from .scheduling import (
    check_override,
    coi_issue,
    schedule_blocking_checks,
    schedule_cancel,
    schedule_checks,
    schedule_create,
    schedule_update,
    therapies_for,
)

__all__ = [
    "CERTIFICATE_MAX_BYTES",
    "CERTIFICATE_SIGNATURES",
    "COLLECTABLE_STAGES",
    "MANUFACTURING_FIELDS",
    "OVERRIDE_ROLES",
    "RECORDED_ELSEWHERE",
    "SCHEDULABLE_STAGES",
    "SCHEDULE_FIELDS",
    "StaleEditError",
    "VERIFIER_ROLES",
    "WRITER_ROLES",
    "_logged",
    "bag_verify",
    "bedside_verify",
    "can_override",
    "can_verify",
    "can_write",
    "certificate_limit_mb",
    "check_override",
    "coi_issue",
    "collection_record",
    "custody_chain",
    "custody_correct",
    "custody_record",
    "manufacturing_update",
    "oos_record",
    "product_receive",
    "schedule_blocking_checks",
    "schedule_cancel",
    "schedule_checks",
    "schedule_create",
    "schedule_update",
    "therapies_for",
    "validate_certificate",
]
