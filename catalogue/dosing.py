"""Tocilizumab for CRS: its limits (one table, with the source), one dose, and whether another
may be given now. Monitoring (the bedside) reads these; the infusion's lymphodepletion
calculator shares DoseResult. Pure: nothing here imports Django.

Source: clinical reference §3 (ASCO 2021 / Actemra label). Decisions (institutional defaults —
review): the maximum dose applies to the 12 mg/kg dose too; 30 kg exactly gets 8 mg/kg; "3 in
24 h" counts doses given in the 24 h before `at` (a dose exactly 24 h earlier no longer counts);
"no sooner than 8 h": exactly 8 h after the previous dose is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .dose_checks import FLAG_CAPPED_AT_MAX_DOSE, _aware, _fmt, _round_half_up, _weight, coded

TOCILIZUMAB = "tocilizumab"

# Codes of the sentences written here; their wording is catalogue/texts.py.
DOSE_PER_KG = "catalogue.dose_per_kg"
DOSE_ROUNDED = "catalogue.dose_rounded"
TOCILIZUMAB_PAEDIATRIC_DOSE = "catalogue.tocilizumab_paediatric_dose"
TOCILIZUMAB_CAPPED = "catalogue.tocilizumab_capped"
TOCILIZUMAB_TOTAL_REACHED = "catalogue.tocilizumab_total_reached"
TOCILIZUMAB_DAY_REACHED = "catalogue.tocilizumab_day_reached"
TOCILIZUMAB_TOO_SOON = "catalogue.tocilizumab_too_soon"
TOCILIZUMAB_FIRST = "catalogue.tocilizumab_first"
TOCILIZUMAB_NEXT = "catalogue.tocilizumab_next"
DURATION_HOURS = "catalogue.duration_hours"
DURATION_HOURS_MINUTES = "catalogue.duration_hours_minutes"


@dataclass(frozen=True)
class DoseResult:
    drug: str
    dose_mg: float | None  # None when the dose needs a clinician's decision
    calculation: str  # every step written out, for the prescriber and pharmacist
    requires_clinician_decision: bool = False
    flags: tuple[str, ...] = ()
    full_dose_mg: float | None = None  # before renal adjustment, cap and rounding
    unrounded_dose_mg: float | None = None  # after adjustment and cap, before rounding
    # The same steps as codes with parameters (catalogue/texts.py, infusion/texts.py), said in
    # the reader's language; `calculation` is their English.
    steps: tuple[dict, ...] = ()


@dataclass(frozen=True)
class TocilizumabRule:
    mg_per_kg: Decimal
    paediatric_mg_per_kg: Decimal
    paediatric_below_kg: Decimal  # strictly below this weight the paediatric dose applies
    max_dose_mg: Decimal
    rounding_mg: Decimal
    min_interval: timedelta
    max_doses_per_24_h: int
    max_doses_total: int


# Clinical reference §3 (ASCO 2021 / Actemra label): 8 mg/kg IV over 1 h, at most 800 mg a
# dose (12 mg/kg under 30 kg); repeat no sooner than 8 h; at most 3 doses in 24 h and 4 in
# total. Rounding to 1 mg is an institutional default — review.
TOCILIZUMAB_RULE = TocilizumabRule(
    mg_per_kg=Decimal("8"),
    paediatric_mg_per_kg=Decimal("12"),
    paediatric_below_kg=Decimal("30"),
    max_dose_mg=Decimal("800"),
    rounding_mg=Decimal("1"),
    min_interval=timedelta(hours=8),
    max_doses_per_24_h=3,
    max_doses_total=4,
)


def tocilizumab_dose(*, weight_kg: float) -> DoseResult:
    """One tocilizumab dose for CRS: 8 mg/kg (12 mg/kg under 30 kg), at most 800 mg."""
    rule = TOCILIZUMAB_RULE
    weight = _weight(weight_kg)
    paediatric = weight < rule.paediatric_below_kg
    per_kg = rule.paediatric_mg_per_kg if paediatric else rule.mg_per_kg
    full = per_kg * weight
    numbers = {"per_kg": _fmt(per_kg), "weight": _fmt(weight), "dose": _fmt(full)}
    if paediatric:
        basis = f"{_fmt(per_kg)} mg/kg (weight < {_fmt(rule.paediatric_below_kg)} kg)"
        coded_steps = [
            coded(TOCILIZUMAB_PAEDIATRIC_DOSE, below=_fmt(rule.paediatric_below_kg), **numbers)
        ]
    else:
        basis = f"{_fmt(per_kg)} mg/kg"
        coded_steps = [coded(DOSE_PER_KG, **numbers)]
    steps = [f"{basis} × {_fmt(weight)} kg = {_fmt(full)} mg"]
    flags: list[str] = []
    if full > rule.max_dose_mg:
        dose = rule.max_dose_mg
        flags.append(FLAG_CAPPED_AT_MAX_DOSE)
        steps.append(f"capped at the {_fmt(rule.max_dose_mg)} mg maximum dose")
        coded_steps.append(coded(TOCILIZUMAB_CAPPED, max=_fmt(rule.max_dose_mg)))
    else:
        # Rounding must not push a dose just under the maximum above it.
        dose = min(_round_half_up(full, rule.rounding_mg), rule.max_dose_mg)
        steps.append(f"rounded to {_fmt(dose)} mg (nearest {_fmt(rule.rounding_mg)} mg)")
        coded_steps.append(coded(DOSE_ROUNDED, dose=_fmt(dose), step=_fmt(rule.rounding_mg)))
    return DoseResult(
        drug=TOCILIZUMAB,
        dose_mg=float(dose),
        calculation="; ".join(steps),
        requires_clinician_decision=False,
        flags=tuple(flags),
        full_dose_mg=float(full),
        unrounded_dose_mg=float(min(full, rule.max_dose_mg)),
        steps=tuple(coded_steps),
    )


@dataclass(frozen=True)
class DoseLimitResult:
    allowed: bool
    reason: str
    doses_in_last_24_h: int
    doses_total: int
    # When refused only for timing: the earliest moment a dose becomes allowed.
    # None when allowed, or when the total limit is reached (no more doses at all).
    next_allowed_at: datetime | None = None
    # The same sentences as codes with parameters (catalogue/texts.py); `reason` is their
    # English, joined by a space.
    reasons: tuple[dict, ...] = ()


def tocilizumab_dose_allowed(*, given_at: Iterable[datetime], at: datetime) -> DoseLimitResult:
    """May another tocilizumab dose be given at `at`, given the earlier doses?

    All datetimes must be timezone-aware. A dose recorded after `at` raises ValueError: the
    question is about the next dose, so the history must end before it.
    """
    rule = TOCILIZUMAB_RULE
    _aware("at", at)
    if isinstance(given_at, (str, bytes)) or not isinstance(given_at, Iterable):
        raise ValueError("given_at must be a list of datetimes")
    # Work in UTC: Python subtracts and compares two datetimes that share a tzinfo by wall
    # clock, so across a DST change "8 h" on the clock could be 7 h of real time.
    at_utc = at.astimezone(UTC)
    doses: list[datetime] = []
    for given in given_at:
        _aware("given_at", given)
        doses.append(given.astimezone(UTC))
    doses.sort()
    if doses and doses[-1] > at_utc:
        raise ValueError("given_at contains a dose after `at`")

    window_start = at_utc - timedelta(hours=24)
    in_window = [given for given in doses if given > window_start]
    total = len(doses)
    reasons: list[str] = []
    coded_reasons: list[dict] = []
    waits: list[datetime] = []

    if total >= rule.max_doses_total:
        reasons.append(f"{total} doses already given; at most {rule.max_doses_total} in total.")
        coded_reasons.append(coded(TOCILIZUMAB_TOTAL_REACHED, n=total, max=rule.max_doses_total))
    if len(in_window) >= rule.max_doses_per_24_h:
        reasons.append(
            f"{len(in_window)} doses in the last 24 h; at most "
            f"{rule.max_doses_per_24_h} in any 24 h."
        )
        coded_reasons.append(
            coded(TOCILIZUMAB_DAY_REACHED, n=len(in_window), max=rule.max_doses_per_24_h)
        )
        # The window frees a place when the oldest dose that fills it is 24 h old.
        waits.append(in_window[-rule.max_doses_per_24_h] + timedelta(hours=24))
    if doses and at_utc - doses[-1] < rule.min_interval:
        reasons.append(
            f"Only {_fmt_duration(at_utc - doses[-1])} since the previous dose; wait at least "
            f"{_fmt_duration(rule.min_interval)}."
        )
        coded_reasons.append(
            coded(
                TOCILIZUMAB_TOO_SOON,
                since=_coded_duration(at_utc - doses[-1]),
                interval=_coded_duration(rule.min_interval),
            )
        )
        waits.append(doses[-1] + rule.min_interval)

    if reasons:
        # Given back in the caller's timezone, for display.
        next_allowed = None if total >= rule.max_doses_total else max(waits).astimezone(at.tzinfo)
        return DoseLimitResult(
            allowed=False,
            reason=" ".join(reasons),
            doses_in_last_24_h=len(in_window),
            doses_total=total,
            next_allowed_at=next_allowed,
            reasons=tuple(coded_reasons),
        )
    if not doses:
        reason = f"First dose (at most {rule.max_doses_total} in total)."
        coded_reasons.append(coded(TOCILIZUMAB_FIRST, max=rule.max_doses_total))
    else:
        reason = (
            f"Dose {total + 1} of at most {rule.max_doses_total}; {len(in_window)} in the last "
            f"24 h (at most {rule.max_doses_per_24_h}); {_fmt_duration(at_utc - doses[-1])} since "
            f"the previous dose (at least {_fmt_duration(rule.min_interval)})."
        )
        coded_reasons.append(
            coded(
                TOCILIZUMAB_NEXT,
                n=total + 1,
                max=rule.max_doses_total,
                in_day=len(in_window),
                max_day=rule.max_doses_per_24_h,
                since=_coded_duration(at_utc - doses[-1]),
                interval=_coded_duration(rule.min_interval),
            )
        )
    return DoseLimitResult(
        allowed=True,
        reason=reason,
        doses_in_last_24_h=len(in_window),
        doses_total=total,
        next_allowed_at=None,
        reasons=tuple(coded_reasons),
    )


def _fmt_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" if minutes == 0 else f"{hours} h {minutes} min"


def _coded_duration(delta: timedelta) -> dict[str, object]:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if minutes == 0:
        return coded(DURATION_HOURS, h=hours)
    return coded(DURATION_HOURS_MINUTES, h=hours, m=minutes)
