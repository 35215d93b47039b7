"""Pure rules of the weeks before Day 0: administration deviations, bridging timing, day
numbers at a moment, re-planning after a Day 0 change, and the pre-infusion gate.

No Django here: plain values in, plain values (with the reason) out, so a pharmacist or a
clinician can read every rule and the tests can cover every branch. Messages are English
for the log; infusion/text.py words the codes in the user's language.

Values marked "institutional default — review" are this hospital's choices, not label text
(clinical reference, /work/shared/reference/clinical.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from types import MappingProxyType

from catalogue.dose_checks import coded
from patients.rules import day_number

from .dosing import codes as dosing_codes

# --- The day an infusion is recorded -----------------------------------------------------------


def infusion_recording_refusal(*, started_on: date, ended_on: date, today: date) -> str | None:
    """Whether an infusion may be recorded today; ``None`` when it may, else the reason code.

    The gate is checked and the infusion recorded on the day of infusion, so an infusion is
    recorded on the day it started. One that starts before midnight and ends after it is
    recorded on the day it ends, and Day 0 stays the day it started (issue 16.6: such an
    infusion could not be recorded at all).
    """
    if ended_on < started_on:
        return "ends_before_start"
    if started_on == today:
        return None
    if started_on == today - timedelta(days=1) and ended_on == today:
        return None
    return "not_today"


# --- Administration deviations ---------------------------------------------------------------

# A dose given within this percentage of the planned dose is "as planned"; beyond it a reason
# is required. Institutional default — review: wider than the rounding of the dosing module
# (about 2%, infusion/dosing.py) so a measured dose never counts as a deviation by rounding.
DOSE_TOLERANCE_PERCENT = Decimal("5")


@dataclass(frozen=True)
class Deviation:
    deviates: bool
    codes: tuple[str, ...]  # "dose", "day"
    message: str
    texts: tuple[dict, ...] = ()  # `message` as codes with parameters (infusion/texts.py)


def administration_deviation(
    *,
    planned_mg: Decimal,
    given_mg: Decimal,
    planned_on: date,
    given_on: date,
    tolerance_percent: Decimal = DOSE_TOLERANCE_PERCENT,
) -> Deviation:
    """Does a recorded administration differ from the plan (dose beyond tolerance, or day)?"""
    planned = Decimal(planned_mg)
    given = Decimal(given_mg)
    if planned <= 0:
        raise ValueError(f"planned_mg must be greater than 0, got {planned_mg!r}")
    if given <= 0:
        raise ValueError(f"given_mg must be greater than 0, got {given_mg!r}")
    codes: list[str] = []
    parts: list[str] = []
    texts: list[dict] = []
    difference_percent = abs(given - planned) / planned * 100
    if difference_percent > tolerance_percent:
        codes.append("dose")
        difference = difference_percent.quantize(Decimal("0.1"))
        parts.append(
            f"{given:f} mg given, {planned:f} mg planned ({difference}% > {tolerance_percent}%)"
        )
        texts.append(
            coded(
                dosing_codes.DEVIATION_DOSE,
                given=f"{given:f}",
                planned=f"{planned:f}",
                difference=str(difference),
                tolerance=str(tolerance_percent),
            )
        )
    if given_on != planned_on:
        codes.append("day")
        parts.append(f"given on {given_on.isoformat()}, planned for {planned_on.isoformat()}")
        texts.append(
            coded(
                dosing_codes.DEVIATION_DAY,
                given_on=given_on.isoformat(),
                planned_on=planned_on.isoformat(),
            )
        )
    return Deviation(bool(codes), tuple(codes), "; ".join(parts) or "as planned", tuple(texts))


# --- Bridging and the start of lymphodepletion -----------------------------------------------

# Bridging therapy must end at least this many days before the first lymphodepletion dose, so
# its toxicity has settled and lymphodepletion is judged on a stable patient. UNVERIFIED —
# institutional default, review (protocols range from 7 to 14 days).
BRIDGING_GAP_DAYS = 7


@dataclass(frozen=True)
class BridgingTiming:
    ok: bool
    earliest_lymphodepletion: date | None  # None while bridging has not ended
    message: str
    text: dict | None = None  # `message` as a code with parameters (infusion/texts.py)


def bridging_timing(
    *, bridging_ended_on: date | None, first_lymphodepletion_on: date | None
) -> BridgingTiming:
    """Is the first lymphodepletion day far enough after the end of bridging?"""
    if bridging_ended_on is None:
        return BridgingTiming(
            False,
            None,
            "Bridging has no end date: lymphodepletion cannot be timed yet.",
            coded(dosing_codes.BRIDGING_NO_END),
        )
    earliest = bridging_ended_on + timedelta(days=BRIDGING_GAP_DAYS)
    if first_lymphodepletion_on is None:
        return BridgingTiming(
            True,
            earliest,
            f"Lymphodepletion may start on {earliest.isoformat()} or later.",
            coded(dosing_codes.BRIDGING_MAY_START, earliest=earliest.isoformat()),
        )
    if first_lymphodepletion_on < earliest:
        return BridgingTiming(
            False,
            earliest,
            f"Lymphodepletion starts {first_lymphodepletion_on.isoformat()}, less than "
            f"{BRIDGING_GAP_DAYS} days after bridging ended ({bridging_ended_on.isoformat()}); "
            f"earliest {earliest.isoformat()}.",
            coded(
                dosing_codes.BRIDGING_TOO_CLOSE,
                first=first_lymphodepletion_on.isoformat(),
                days=BRIDGING_GAP_DAYS,
                ended=bridging_ended_on.isoformat(),
                earliest=earliest.isoformat(),
            ),
        )
    return BridgingTiming(
        True, earliest, "Bridging ended early enough.", coded(dosing_codes.BRIDGING_OK)
    )


# --- Day numbers at a moment and re-planning --------------------------------------------------


def day_number_at(*, day0: date, moment: datetime, tz: tzinfo) -> int:
    """Day number of an instant, on the centre's calendar (its time zone, DST included).

    The local date is taken first, then the day is counted on dates, so a DST change never
    makes a day 23 or 25 hours "long" for the count.
    """
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be a timezone-aware datetime, got {moment!r}")
    return day_number(day0=day0, on=moment.astimezone(tz).date())


@dataclass(frozen=True)
class DoseToPlan:
    key: object  # the caller's id of the planned dose
    day_number: int
    planned_on: date
    given: bool


@dataclass(frozen=True)
class Move:
    key: object
    old_date: date
    new_date: date


def replan_after_day0_change(
    *, doses: Iterable[DoseToPlan], new_day0: date, today: date
) -> list[Move]:
    """New dates for the doses not given yet, keeping their day numbers.

    Doses already given keep their dates (what happened does not move). Raises ValueError when
    a dose not given yet would land before today: nobody can give a dose in the past.
    """
    moves: list[Move] = []
    late: list[str] = []
    for dose in doses:
        if dose.given:
            continue
        new_date = new_day0 + timedelta(days=dose.day_number)
        if new_date < today:
            late.append(f"day {dose.day_number} would be {new_date.isoformat()}")
        if new_date != dose.planned_on:
            moves.append(Move(dose.key, dose.planned_on, new_date))
    if late:
        raise ValueError(
            "new_day0 puts doses not given yet in the past: " + ", ".join(sorted(set(late)))
        )
    return moves


# --- The pre-infusion gate ---------------------------------------------------------------------

PRODUCT_RECEIVED = "product_received"
PRODUCT_IN_SPEC = "product_in_spec"
LYMPHODEPLETION_COMPLETE = "lymphodepletion_complete"
COI_BEDSIDE = "coi_bedside"
TOCILIZUMAB_AVAILABLE = "tocilizumab_available"
NO_ACTIVE_INFECTION = "no_active_infection"
NO_NEW_ORGAN_DYSFUNCTION = "no_new_organ_dysfunction"
VITAL_SIGNS = "vital_signs"
PREMEDICATION = "premedication"

GATE_ITEMS: tuple[str, ...] = (
    PRODUCT_RECEIVED,
    PRODUCT_IN_SPEC,
    LYMPHODEPLETION_COMPLETE,
    COI_BEDSIDE,
    TOCILIZUMAB_AVAILABLE,
    NO_ACTIVE_INFECTION,
    NO_NEW_ORGAN_DYSFUNCTION,
    VITAL_SIGNS,
    PREMEDICATION,
)
# No override can stand in for these: a product that is not here, or a bag not matched to the
# patient by two people, is never infused.
NOT_OVERRIDABLE = frozenset({PRODUCT_RECEIVED, COI_BEDSIDE})

# Tocilizumab on the ward before infusion (institutional default — review): at least two doses,
# enough for the first 24 h of CRS treatment (clinical reference §3), confirmed by a pharmacist
# within the last 24 h.
TOCILIZUMAB_MIN_DOSES = 2
TOCILIZUMAB_STOCK_VALID = timedelta(hours=24)
# Two different people match the bag's COI ID to the patient at the bedside.
COI_VERIFIERS_REQUIRED = 2

RELEASED = "released"
RELEASED_OUT_OF_SPEC = "released_oos"


@dataclass(frozen=True)
class VitalLimit:
    code: str
    label: str
    unit: str
    min_value: Decimal | None
    max_value: Decimal | None  # both inclusive


# Vital signs at which the cells may go in (institutional default — review). Fever ≥ 38.0 °C is
# the CRS threshold (ASTCT, clinical reference §1), so a febrile patient waits; SpO2 > 92% on
# room air is the eligibility threshold (§5); the others are common ward limits, UNVERIFIED.
DEFAULT_VITAL_LIMITS: tuple[VitalLimit, ...] = (
    VitalLimit("temperature_c", "Temperature", "°C", Decimal("35.0"), Decimal("37.9")),
    VitalLimit("heart_rate_bpm", "Heart rate", "/min", Decimal("50"), Decimal("120")),
    VitalLimit("systolic_bp_mmhg", "Systolic BP", "mmHg", Decimal("90"), Decimal("180")),
    VitalLimit("spo2_percent", "SpO2", "%", Decimal("93"), None),
    VitalLimit(
        "respiratory_rate_per_min", "Respiratory rate", "/min", Decimal("10"), Decimal("24")
    ),
)
VITAL_CODES = tuple(limit.code for limit in DEFAULT_VITAL_LIMITS)


@dataclass(frozen=True)
class BedsideFacts:
    """The nurse's pre-infusion check on the day."""

    active_uncontrolled_infection: bool
    new_organ_dysfunction: bool
    vitals: Mapping[str, Decimal | None]
    paracetamol_given: bool
    antihistamine_given: bool
    prophylactic_steroid_given: bool


@dataclass(frozen=True)
class GateFacts:
    product_received: bool
    manufacturing_status: str | None
    lymphodepletion_plan_verified: bool
    lymphodepletion_doses_outstanding: int
    coi_verifier_count: int
    tocilizumab_doses: int | None  # the pharmacist's latest count still valid, None if none
    bedside: BedsideFacts | None  # None: no pre-infusion check recorded on the day


@dataclass(frozen=True)
class GateItem:
    code: str
    passed: bool  # the fact itself, before any override
    observed: str  # what was seen; an override covers exactly this observation
    params: Mapping[str, object] = field(default_factory=dict)
    overridable: bool = True
    overridden: bool = False

    @property
    def ok(self) -> bool:
        return self.passed or self.overridden


@dataclass(frozen=True)
class GateResult:
    items: tuple[GateItem, ...]

    @property
    def passed(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def failing(self) -> tuple[GateItem, ...]:
        return tuple(item for item in self.items if not item.ok)


def _fmt(value) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def vital_sign_problems(
    vitals: Mapping[str, Decimal | None], limits: Iterable[VitalLimit]
) -> list[str]:
    """Each vital sign missing or outside its limits, as 'code=value' (or 'code=missing')."""
    problems = []
    for limit in limits:
        value = vitals.get(limit.code)
        if value is None:
            problems.append(f"{limit.code}=missing")
            continue
        value = Decimal(value)
        low_ok = limit.min_value is None or value >= limit.min_value
        high_ok = limit.max_value is None or value <= limit.max_value
        if not (low_ok and high_ok):
            problems.append(f"{limit.code}={_fmt(value)}")
    return problems


def evaluate_gate(
    facts: GateFacts,
    *,
    limits: Iterable[VitalLimit] = DEFAULT_VITAL_LIMITS,
    min_tocilizumab_doses: int = TOCILIZUMAB_MIN_DOSES,
    overrides: Mapping[str, Iterable[str]] = MappingProxyType({}),
) -> GateResult:
    """Every item of the pre-infusion checklist, with what was observed.

    `overrides` maps an item code to the observations a clinician has overridden with a
    reason. An override covers one observation only: if the value changes (another fever),
    the item fails again until it passes or is overridden anew. Items in NOT_OVERRIDABLE
    ignore overrides.
    """
    items: list[GateItem] = []
    status = facts.manufacturing_status or "none"
    items.append(
        GateItem(
            PRODUCT_RECEIVED,
            facts.product_received and status in (RELEASED, RELEASED_OUT_OF_SPEC),
            f"received={'yes' if facts.product_received else 'no'}; status={status}",
            {"status": status},
        )
    )
    items.append(
        GateItem(
            PRODUCT_IN_SPEC,
            status == RELEASED,
            f"status={status}",
            {"status": status},
        )
    )
    items.append(
        GateItem(
            LYMPHODEPLETION_COMPLETE,
            facts.lymphodepletion_plan_verified and facts.lymphodepletion_doses_outstanding == 0,
            f"verified={'yes' if facts.lymphodepletion_plan_verified else 'no'}; "
            f"outstanding={facts.lymphodepletion_doses_outstanding}",
            {
                "verified": facts.lymphodepletion_plan_verified,
                "outstanding": facts.lymphodepletion_doses_outstanding,
            },
        )
    )
    items.append(
        GateItem(
            COI_BEDSIDE,
            facts.coi_verifier_count >= COI_VERIFIERS_REQUIRED,
            f"verifiers={facts.coi_verifier_count}",
            {"count": facts.coi_verifier_count, "required": COI_VERIFIERS_REQUIRED},
        )
    )
    doses = facts.tocilizumab_doses
    items.append(
        GateItem(
            TOCILIZUMAB_AVAILABLE,
            doses is not None and doses >= min_tocilizumab_doses,
            f"doses={'unconfirmed' if doses is None else doses}",
            {"doses": doses, "required": min_tocilizumab_doses},
        )
    )
    bedside = facts.bedside
    if bedside is None:
        for code in (NO_ACTIVE_INFECTION, NO_NEW_ORGAN_DYSFUNCTION, VITAL_SIGNS, PREMEDICATION):
            items.append(GateItem(code, False, "not checked", {"checked": False}))
    else:
        items.append(
            GateItem(
                NO_ACTIVE_INFECTION,
                not bedside.active_uncontrolled_infection,
                f"infection={'yes' if bedside.active_uncontrolled_infection else 'no'}",
                {"checked": True},
            )
        )
        items.append(
            GateItem(
                NO_NEW_ORGAN_DYSFUNCTION,
                not bedside.new_organ_dysfunction,
                f"organ_dysfunction={'yes' if bedside.new_organ_dysfunction else 'no'}",
                {"checked": True},
            )
        )
        problems = vital_sign_problems(bedside.vitals, limits)
        items.append(
            GateItem(
                VITAL_SIGNS,
                not problems,
                "; ".join(problems) or "within limits",
                {"checked": True, "problems": tuple(problems)},
            )
        )
        missing = []
        if not bedside.paracetamol_given:
            missing.append("paracetamol")
        if not bedside.antihistamine_given:
            missing.append("antihistamine")
        # Prophylactic steroids blunt the CAR-T cells (label premedication advice).
        steroid = bedside.prophylactic_steroid_given
        items.append(
            GateItem(
                PREMEDICATION,
                not missing and not steroid,
                f"missing={','.join(missing) or 'none'}; steroid={'yes' if steroid else 'no'}",
                {"checked": True, "missing": tuple(missing), "steroid": steroid},
            )
        )
    result = []
    for item in items:
        overridable = item.code not in NOT_OVERRIDABLE
        covered = (
            overridable and not item.passed and item.observed in set(overrides.get(item.code, ()))
        )
        result.append(
            GateItem(item.code, item.passed, item.observed, item.params, overridable, bool(covered))
        )
    return GateResult(tuple(result))
