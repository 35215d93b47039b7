"""The infusion pages: worklists, the course and its lymphodepletion plan, the pre-infusion
gate and the infusion. urls.py routes to the names re-exported here."""

from .course import (
    administer,
    bridging_edit,
    bridging_new,
    course_page,
    day0,
    day0_correct,
    dose_decide,
    lymphodepletion_start,
    plan_new,
    plan_page,
    plan_recalculate,
    plan_verify,
)
from .gate import (
    check_new,
    gate,
    gate_override,
    gate_review,
    infuse,
    stock_confirm,
)
from .worklists import (
    gates,
    pharmacy,
    today,
)

__all__ = [
    "administer",
    "bridging_edit",
    "bridging_new",
    "check_new",
    "course_page",
    "day0",
    "day0_correct",
    "dose_decide",
    "gate",
    "gate_override",
    "gate_review",
    "gates",
    "infuse",
    "lymphodepletion_start",
    "pharmacy",
    "plan_new",
    "plan_page",
    "plan_recalculate",
    "plan_verify",
    "stock_confirm",
    "today",
]
