"""Results of the eligibility rules: met / not met / missing per criterion and overall."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .inputs import Indication

MET = "met"
NOT_MET = "not_met"
MISSING = "missing"

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
INCOMPLETE = "incomplete"


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One line of the criteria table.

    `reason` is the English explanation. `code` and `params` let the page word it in the
    user's language; code "compare" is a comparison written with symbols (language-neutral).
    """

    key: str
    status: str
    reason: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    threshold_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilityResult:
    overall: str
    criteria: tuple[Criterion, ...]
    indication: Indication | None

    @property
    def not_met(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == NOT_MET)

    @property
    def missing(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == MISSING)


def overall_result(criteria: Iterable[Criterion]) -> str:
    statuses = {c.status for c in criteria}
    if NOT_MET in statuses:
        return NOT_ELIGIBLE
    if MISSING in statuses:
        return INCOMPLETE
    return ELIGIBLE
