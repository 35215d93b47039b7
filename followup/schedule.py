"""The long-term follow-up visit schedule after CAR-T infusion.

Pure: plain dates in, plain values out, no Django, so a clinician can read the plan and the
tests can walk month ends and leap years.

Source: clinical reference §6. Default schedule Day 14, Day 28, Day 100, Month 6, Month 12,
then yearly to Year 15 (FDA long-term follow-up of integrating-vector products: up to 15
years, annual visits for 5 years then annual contact; CIBMTR form 4100 asks for Day 100,
Month 6 and yearly). Due windows are an institutional default — review.

Two plans (setting FOLLOWUP_VISIT_PLAN, `plan_named`):
- "institutional" (DEFAULT_PLAN, the default): the schedule above.
- "cibmtr_4100" (CIBMTR_4100_PLAN): the registry's reporting windows, CIBMTR form 4100
  (Cellular Therapy Essential Data Follow-Up): Day 100, Month 6, the 1-year contact on or
  after Day 365, then annual contacts ±30 days to Year 15 (issue 16 item 12; clinical
  reference §6). Day 100 and Month 6 windows are an institutional default — review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from dateutil.relativedelta import relativedelta

# How a visit is done: years 6–15 are "annual contact" (FDA LTFU guidance), which may be a
# telephone call or outside records rather than a clinic visit.
VISIT = "visit"
CONTACT = "contact"


@dataclass(frozen=True)
class VisitSpec:
    code: str
    # "day", "month" or "year": how the label is worded, and how the target is counted.
    unit: str
    number: int
    window_before_days: int
    window_after_days: int
    contact: str = VISIT

    def target(self, day0: date) -> date:
        # Months and years by calendar (relativedelta): Month 6 from 31 August is the last
        # day of February, Year 1 from 29 February is 28 February.
        if self.unit == "day":
            return day0 + timedelta(days=self.number)
        if self.unit == "month":
            return day0 + relativedelta(months=self.number)
        if self.unit == "year":
            return day0 + relativedelta(years=self.number)
        raise ValueError(f"unknown unit {self.unit!r}")


# Due windows (days before, days after the target): institutional default — review.
# They widen as visits grow rarer and never overlap.
DEFAULT_PLAN: tuple[VisitSpec, ...] = (
    VisitSpec("d14", "day", 14, 3, 3),
    VisitSpec("d28", "day", 28, 7, 7),
    # Day 100 is the Month 3 response assessment and the CIBMTR Day 100 report.
    VisitSpec("d100", "day", 100, 14, 14),
    VisitSpec("m6", "month", 6, 30, 30),
    VisitSpec("m12", "month", 12, 45, 45),
    *(VisitSpec(f"y{n}", "year", n, 60, 60, VISIT if n <= 5 else CONTACT) for n in range(2, 16)),
)

# CIBMTR form 4100 windows (issue 16 item 12). The 1-year contact is due from Day 365, not
# before it (window 0 days before, 30 after); later years are annual ±30 days. Day 100 and
# Month 6 keep the institutional windows — review.
CIBMTR_ANNUAL_WINDOW_DAYS = 30
CIBMTR_4100_PLAN: tuple[VisitSpec, ...] = (
    VisitSpec("d100", "day", 100, 14, 14),
    VisitSpec("m6", "month", 6, 30, 30),
    VisitSpec("d365", "day", 365, 0, CIBMTR_ANNUAL_WINDOW_DAYS, CONTACT),
    *(
        VisitSpec(f"y{n}", "year", n, CIBMTR_ANNUAL_WINDOW_DAYS, CIBMTR_ANNUAL_WINDOW_DAYS, CONTACT)
        for n in range(2, 16)
    ),
)

INSTITUTIONAL = "institutional"
CIBMTR_4100 = "cibmtr_4100"
PLANS: dict[str, tuple[VisitSpec, ...]] = {
    INSTITUTIONAL: DEFAULT_PLAN,
    CIBMTR_4100: CIBMTR_4100_PLAN,
}


def plan_named(name: str) -> tuple[VisitSpec, ...]:
    """The visit plan of a setting value ("institutional" or "cibmtr_4100")."""
    try:
        return PLANS[name]
    except KeyError:
        raise ValueError(f"unknown visit plan {name!r}; choose one of {sorted(PLANS)}") from None


PLANNED = "planned"
DONE = "done"
CANCELLED = "cancelled"

# Display status of a visit on a given day.
UPCOMING = "upcoming"
DUE = "due"
OVERDUE = "overdue"


@dataclass(frozen=True)
class PlannedVisit:
    code: str
    sequence: int
    unit: str
    number: int
    contact: str
    target_date: date
    window_start: date
    window_end: date


def _plain_date(field: str, value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{field} must be a date (not a datetime), got {value!r}")


def visit_schedule(*, day0: date, plan: tuple[VisitSpec, ...] = DEFAULT_PLAN) -> list[PlannedVisit]:
    """Every follow-up visit from Day 0 (infusion), in order, each with its due window."""
    _plain_date("day0", day0)
    visits = []
    for sequence, spec in enumerate(plan, start=1):
        target = spec.target(day0)
        visits.append(
            PlannedVisit(
                code=spec.code,
                sequence=sequence,
                unit=spec.unit,
                number=spec.number,
                contact=spec.contact,
                target_date=target,
                window_start=target - timedelta(days=spec.window_before_days),
                window_end=target + timedelta(days=spec.window_after_days),
            )
        )
    return visits


def spec_for(code: str, plan: tuple[VisitSpec, ...] = DEFAULT_PLAN) -> VisitSpec:
    """The spec of a visit code: from `plan`, else from any known plan (a visit created
    under the other plan before the setting changed keeps its label)."""
    for candidate in (plan, *PLANS.values()):
        for spec in candidate:
            if spec.code == code:
                return spec
    raise ValueError(f"unknown visit code {code!r}")


def visit_status(*, state: str, window_start: date, window_end: date, today: date) -> str:
    """done / cancelled as recorded; otherwise upcoming, due (window open) or overdue."""
    if state in (DONE, CANCELLED):
        return state
    if state != PLANNED:
        raise ValueError(f"unknown visit state {state!r}")
    if today < window_start:
        return UPCOMING
    if today <= window_end:
        return DUE
    return OVERDUE


def days_overdue(*, window_end: date, today: date) -> int:
    """Whole days since the due window closed (0 while it is open)."""
    return max(0, (today - window_end).days)


class Windowed(Protocol):
    """A planned visit as this rule reads it: a PlannedVisit or a stored ScheduledVisit."""

    sequence: int
    target_date: date
    window_start: date
    window_end: date


V = TypeVar("V", bound=Windowed)


def matching_visit(*, visits: Sequence[V], on: date) -> V | None:
    """The planned visit whose due window holds a date, nearest target first."""
    inside = [v for v in visits if v.window_start <= on <= v.window_end]
    if not inside:
        return None
    return min(inside, key=lambda v: (abs((on - v.target_date).days), v.sequence))
