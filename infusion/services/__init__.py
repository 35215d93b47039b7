"""Every write of bridging, lymphodepletion, Day 0, the pre-infusion gate and the infusion.
Views, API, admin and demo data call these and nothing else; each checks the role again,
whatever the caller checked.

One module per concern: access (role checks and shared guards), bridging, plans (the
lymphodepletion plan), plan_signing (the pharmacist's signature), lymphodepletion (start and
doses given), day0, gate (the pre-infusion gate) and infusions."""

from core.versioning import StaleEditError

from .access import (
    BEDSIDE_VERIFIERS,
    BRIDGING_STAGES,
    CLOCK_SKEW,
    PLANNABLE_STAGES,
    can_verify_bag,
    is_clinician,
    is_nurse,
    is_pharmacist,
)
from .bridging import bridging_record, bridging_update
from .day0 import day0_change, day0_correct
from .gate import (
    PRE_INFUSION_FIELDS,
    gate_override,
    gate_refusal,
    gate_review,
    pre_infusion_check_record,
    stock_confirm,
)
from .infusions import infusion_record
from .lymphodepletion import administration_record, lymphodepletion_start
from .plan_signing import plan_verify
from .plans import dose_decide, plan_create, plan_recalculate

__all__ = [
    "BEDSIDE_VERIFIERS",
    "BRIDGING_STAGES",
    "CLOCK_SKEW",
    "PLANNABLE_STAGES",
    "PRE_INFUSION_FIELDS",
    "StaleEditError",
    "administration_record",
    "bridging_record",
    "bridging_update",
    "can_verify_bag",
    "day0_change",
    "day0_correct",
    "dose_decide",
    "gate_override",
    "gate_refusal",
    "gate_review",
    "infusion_record",
    "is_clinician",
    "is_nurse",
    "is_pharmacist",
    "lymphodepletion_start",
    "plan_create",
    "plan_recalculate",
    "plan_verify",
    "pre_infusion_check_record",
    "stock_confirm",
]
