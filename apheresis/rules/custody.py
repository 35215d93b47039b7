"""Pure rules of cell collection: pre-collection checks, the chain-of-identity number, the
order of the chain of custody and vein-to-vein time.

Nothing here imports Django or touches the database, so a clinician can read the rules and
the tests can exercise every case. Results carry a code and plain values; the Django layer
words them in the user's language (apheresis/text.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

# --- Thresholds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    key: str
    value: Decimal
    unit: str
    description: str
    source: str
    verified: bool  # False: not confirmed from a primary source; editable default


_S5 = "Clinical reference §5, pivotal-trial entry criteria (institutional default — review)"
_WASH = "Clinical reference §5, washout before apheresis (institutional default — review)"
_LOCAL = "Institutional default — review (not in the clinical reference)"
_CD3 = (
    "Manufacturers' apheresis guides commonly ask for CD3+ ≥ 150 cells/µL; "
    "UNVERIFIED institutional default — review"
)

# Every number the pre-collection checks use, in one table with its source.
PRE_COLLECTION_THRESHOLDS: Mapping[str, Threshold] = MappingProxyType(
    {
        t.key: t
        for t in (
            Threshold("alc_min_10e9_l", Decimal("0.1"), "×10⁹/L", "ALC at least", _S5, True),
            Threshold(
                "cd3_min_cells_per_ul",
                Decimal("150"),
                "cells/µL",
                "CD3+ count at least",
                _CD3,
                False,
            ),
            Threshold(
                "counts_max_age_days",
                Decimal("7"),
                "days",
                "Counts drawn at most this many days before collection",
                _LOCAL,
                False,
            ),
            Threshold(
                "washout_systemic_steroid_days",
                Decimal("7"),
                "days",
                "Systemic steroid > 10 mg prednisone-equivalent a day: stopped at least",
                _WASH,
                True,
            ),
            Threshold(
                "washout_chemotherapy_days",
                Decimal("14"),
                "days",
                "Chemotherapy (reference: 2–3 weeks): stopped at least",
                _WASH,
                True,
            ),
            Threshold(
                "washout_anti_cd38_days",
                Decimal("42"),
                "days",
                "Anti-CD38 antibody: stopped at least",
                _WASH,
                True,
            ),
            Threshold(
                "washout_alemtuzumab_days",
                Decimal("42"),
                "days",
                "Alemtuzumab: stopped at least",
                _WASH,
                True,
            ),
        )
    }
)

# Therapy classes recorded at screening (eligibility.models.WashoutClass values).
WASHOUT_SYSTEMIC_STEROID = "systemic_steroid"
WASHOUT_CHEMOTHERAPY = "chemotherapy"
WASHOUT_ANTI_CD38 = "anti_cd38"
WASHOUT_ALEMTUZUMAB = "alemtuzumab"
WASHOUT_OTHER = "other"
WASHOUT_CLASSES = (
    WASHOUT_SYSTEMIC_STEROID,
    WASHOUT_CHEMOTHERAPY,
    WASHOUT_ANTI_CD38,
    WASHOUT_ALEMTUZUMAB,
    WASHOUT_OTHER,
)
# "other" has no default washout: a clinician must judge it, so it blocks until overridden.
WASHOUT_THRESHOLD_KEY = {
    WASHOUT_SYSTEMIC_STEROID: "washout_systemic_steroid_days",
    WASHOUT_CHEMOTHERAPY: "washout_chemotherapy_days",
    WASHOUT_ANTI_CD38: "washout_anti_cd38_days",
    WASHOUT_ALEMTUZUMAB: "washout_alemtuzumab_days",
}

# Venous access for a large-volume collection.
ACCESS_PERIPHERAL_ADEQUATE = "peripheral_adequate"
ACCESS_CENTRAL_LINE_IN_PLACE = "central_line_in_place"
ACCESS_CENTRAL_LINE_NEEDED = "central_line_needed"
ACCESS_NOT_ASSESSED = "not_assessed"
VENOUS_ACCESS = (
    ACCESS_PERIPHERAL_ADEQUATE,
    ACCESS_CENTRAL_LINE_IN_PLACE,
    ACCESS_CENTRAL_LINE_NEEDED,
    ACCESS_NOT_ASSESSED,
)
VENOUS_ACCESS_READY = frozenset({ACCESS_PERIPHERAL_ADEQUATE, ACCESS_CENTRAL_LINE_IN_PLACE})


# --- Pre-collection checks -----------------------------------------------------------------


@dataclass(frozen=True)
class Therapy:
    therapy_class: str
    last_dose_date: date


@dataclass(frozen=True)
class CheckResult:
    """One pre-collection check. `observed` identifies what was judged: an override given
    for one observation does not cover a different one (new counts, a later dose)."""

    code: str  # "alc", "cd3", "counts_recent", "venous_access", "washout_<class>"
    passed: bool
    observed: str  # "" when the value is missing
    params: Mapping[str, str]  # values for the message (threshold, dates, ...)

    @property
    def kind(self) -> str:
        return "washout" if self.code.startswith("washout_") else self.code


def _decimal(name: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be a number") from None
    if number < 0 or not number.is_finite():
        raise ValueError(f"{name} cannot be negative")
    return number


def _plain_date(name: str, value) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a calendar date")


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def pre_collection_checks(
    *,
    collection_date: date,
    alc_10e9_l=None,
    cd3_cells_per_ul=None,
    counts_drawn_on: date | None = None,
    venous_access: str = ACCESS_NOT_ASSESSED,
    therapies: Iterable[Therapy] = (),
    thresholds: Mapping[str, Threshold] = PRE_COLLECTION_THRESHOLDS,
) -> tuple[CheckResult, ...]:
    """Every check before a collection, in a fixed order. A missing value fails its check:
    the collection cannot rely on a count nobody measured."""
    _plain_date("collection_date", collection_date)
    missing = [k for k in PRE_COLLECTION_THRESHOLDS if k not in thresholds]
    if missing:
        raise ValueError(f"thresholds missing: {', '.join(missing)}")
    if venous_access not in VENOUS_ACCESS:
        raise ValueError(f"venous_access must be one of {', '.join(VENOUS_ACCESS)}")
    alc = _decimal("alc_10e9_l", alc_10e9_l)
    cd3 = _decimal("cd3_cells_per_ul", cd3_cells_per_ul)
    checks = [
        _at_least("alc", alc, thresholds["alc_min_10e9_l"]),
        _at_least("cd3", cd3, thresholds["cd3_min_cells_per_ul"]),
        _counts_recent(collection_date, counts_drawn_on, thresholds["counts_max_age_days"]),
        CheckResult(
            "venous_access",
            venous_access in VENOUS_ACCESS_READY,
            venous_access,
            MappingProxyType({"access": venous_access}),
        ),
    ]
    checks.extend(washout_checks(therapies, collection_date=collection_date, thresholds=thresholds))
    return tuple(checks)


def _at_least(code: str, value: Decimal | None, threshold: Threshold) -> CheckResult:
    params = {"min": _fmt(threshold.value), "unit": threshold.unit}
    if value is None:
        return CheckResult(code, False, "", MappingProxyType({**params, "value": ""}))
    return CheckResult(
        code,
        value >= threshold.value,
        _fmt(value),
        MappingProxyType({**params, "value": _fmt(value)}),
    )


def _counts_recent(collection_date: date, drawn_on: date | None, max_age: Threshold):
    days = int(max_age.value)
    if drawn_on is None:
        return CheckResult(
            "counts_recent", False, "", MappingProxyType({"max_days": str(days), "drawn_on": ""})
        )
    _plain_date("counts_drawn_on", drawn_on)
    age = (collection_date - drawn_on).days
    return CheckResult(
        "counts_recent",
        0 <= age <= days,
        drawn_on.isoformat(),
        MappingProxyType(
            {"max_days": str(days), "drawn_on": drawn_on.isoformat(), "age_days": str(age)}
        ),
    )


def washout_checks(
    therapies: Iterable[Therapy],
    *,
    collection_date: date,
    thresholds: Mapping[str, Threshold] = PRE_COLLECTION_THRESHOLDS,
) -> tuple[CheckResult, ...]:
    """One check per therapy class, judged on the latest dose of that class."""
    latest: dict[str, date] = {}
    for therapy in therapies:
        if therapy.therapy_class not in WASHOUT_CLASSES:
            raise ValueError(f"therapy_class must be one of {', '.join(WASHOUT_CLASSES)}")
        _plain_date("last_dose_date", therapy.last_dose_date)
        known = latest.get(therapy.therapy_class)
        if known is None or therapy.last_dose_date > known:
            latest[therapy.therapy_class] = therapy.last_dose_date
    checks = []
    for therapy_class in WASHOUT_CLASSES:
        if therapy_class not in latest:
            continue
        last = latest[therapy_class]
        observed = f"{therapy_class}:{last.isoformat()}"
        key = WASHOUT_THRESHOLD_KEY.get(therapy_class)
        if key is None:
            checks.append(
                CheckResult(
                    f"washout_{therapy_class}",
                    False,
                    observed,
                    MappingProxyType({"last_dose": last.isoformat(), "min_days": ""}),
                )
            )
            continue
        days = int(thresholds[key].value)
        clear_on = last + timedelta(days=days)
        checks.append(
            CheckResult(
                f"washout_{therapy_class}",
                collection_date >= clear_on,
                observed,
                MappingProxyType(
                    {
                        "last_dose": last.isoformat(),
                        "min_days": str(days),
                        "clear_on": clear_on.isoformat(),
                        "days_since": str((collection_date - last).days),
                    }
                ),
            )
        )
    return tuple(checks)


def blocking_checks(
    checks: Iterable[CheckResult], overrides: Iterable[tuple[str, str]]
) -> tuple[CheckResult, ...]:
    """Failed checks that no override covers; an override is (code, observed)."""
    covered = set(overrides)
    return tuple(c for c in checks if not c.passed and (c.code, c.observed) not in covered)


# --- Chain of identity ---------------------------------------------------------------------

# Damm's quasigroup of order 10: the check digit catches every single-digit error and every
# swap of two adjacent digits (H. M. Damm, 2004), the two commonest typing errors.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
COI_PATTERN = re.compile(r"^COI-(?P<year>\d{4})-(?P<serial>\d{6,})-(?P<check>\d)$")


def damm_check_digit(digits: str) -> str:
    if not digits or not digits.isdigit() or not digits.isascii():
        raise ValueError("damm_check_digit needs a string of digits")
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return str(interim)


def coi_make(*, year: int, serial: int) -> str:
    """The chain-of-identity number, e.g. COI-2026-000123-7 (check digit over year+serial)."""
    if not 2000 <= year <= 9999:
        raise ValueError("year must have four digits")
    if serial < 1:
        raise ValueError("serial must be positive")
    body = f"{year:04d}{serial:06d}"
    return f"COI-{year:04d}-{serial:06d}-{damm_check_digit(body)}"


def coi_normalise(text: str) -> str:
    """What a scanner or a keyboard produced, as a COI: case, spaces and the odd scanner
    prefix/suffix (whitespace, control characters) do not matter; the digits do. Unicode
    NFKC first, so a keyboard-wedge scan typed through a Chinese IME in full-width mode
    (``ＣＯＩ－２０２６…``) reads as the same code."""
    text = unicodedata.normalize("NFKC", text or "")
    cleaned = "".join(ch for ch in text if ch.isprintable() and not ch.isspace())
    return cleaned.upper()


# Results of comparing a scanned code with the patient's COI.
SCAN_MATCH = "match"
SCAN_EMPTY = "empty"
SCAN_MALFORMED = "malformed"  # not a COI at all (e.g. an MRN or a lot number scanned)
SCAN_CHECK_DIGIT = "check_digit"  # looks like a COI but a digit is wrong: mistyped
SCAN_OTHER_PATIENT = "other_patient"  # a valid COI of somebody else's cells


def coi_is_valid(text: str) -> bool:
    match = COI_PATTERN.match(text)
    return bool(match) and damm_check_digit(match["year"] + match["serial"]) == match["check"]


def coi_compare(*, scanned: str, expected: str) -> str:
    """Compare a bag's code with the patient's COI. Anything but SCAN_MATCH is a refusal."""
    code = coi_normalise(scanned)
    if not code:
        return SCAN_EMPTY
    if code == expected:
        return SCAN_MATCH
    if not COI_PATTERN.match(code):
        return SCAN_MALFORMED
    if not coi_is_valid(code):
        return SCAN_CHECK_DIGIT
    return SCAN_OTHER_PATIENT


# --- Chain of custody ----------------------------------------------------------------------

COLLECTED = "collected"
PACKED = "packed"
HANDED_TO_COURIER = "handed_to_courier"
RECEIVED_BY_MANUFACTURER = "received_by_manufacturer"
MANUFACTURING_STARTED = "manufacturing_started"
RELEASED = "released"
SHIPPED = "shipped"
RECEIVED_AT_SITE = "received_at_site"
STORED = "stored"
THAWED = "thawed"

# The path of the cells, vein to vein. Storage in vapour-phase liquid nitrogen may be skipped
# when a product is thawed on arrival; every other step must be there before the next.
CUSTODY_SEQUENCE: tuple[str, ...] = (
    COLLECTED,
    PACKED,
    HANDED_TO_COURIER,
    RECEIVED_BY_MANUFACTURER,
    MANUFACTURING_STARTED,
    RELEASED,
    SHIPPED,
    RECEIVED_AT_SITE,
    STORED,
    THAWED,
)
OPTIONAL_STEPS = frozenset({STORED})
# Steps with the cells in the hands of a courier, and under the manufacturer's control.
IN_TRANSIT_TO_MANUFACTURER = frozenset({HANDED_TO_COURIER})
AT_MANUFACTURER = frozenset({RECEIVED_BY_MANUFACTURER, MANUFACTURING_STARTED, RELEASED})
IN_TRANSIT_TO_SITE = frozenset({SHIPPED})
AT_SITE = frozenset({RECEIVED_AT_SITE, STORED})
# A bedside clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CustodyStep:
    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class CustodyCheck:
    allowed: bool
    # "ok", "duplicate", "missing_previous", "after_later", "before_previous",
    # "after_next", "future", "not_last"
    code: str
    other_kind: str = ""  # the step the refusal names
    other_time: datetime | None = None


def _aware(name: str, value) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _index(kind: str) -> int:
    try:
        return CUSTODY_SEQUENCE.index(kind)
    except ValueError:
        raise ValueError(f"kind must be one of {', '.join(CUSTODY_SEQUENCE)}") from None


def required_previous(kind: str) -> str | None:
    """The step that must be recorded before this one (optional steps are skipped)."""
    for earlier in reversed(CUSTODY_SEQUENCE[: _index(kind)]):
        if earlier not in OPTIONAL_STEPS:
            return earlier
    return None


def check_custody_next(
    *, chain: Sequence[CustodyStep], kind: str, occurred_at: datetime, now: datetime
) -> CustodyCheck:
    """May this step be added to the chain (its effective steps, corrections applied)?"""
    _aware("occurred_at", occurred_at)
    _aware("now", now)
    position = _index(kind)
    recorded = {step.kind: step for step in chain}
    if kind in recorded:
        return CustodyCheck(False, "duplicate", kind, recorded[kind].occurred_at)
    later = [s for s in chain if _index(s.kind) > position]
    if later:
        first = min(later, key=lambda s: _index(s.kind))
        return CustodyCheck(False, "after_later", first.kind, first.occurred_at)
    needed = required_previous(kind)
    if needed is not None and needed not in recorded:
        return CustodyCheck(False, "missing_previous", needed)
    if occurred_at > now + CLOCK_SKEW:
        return CustodyCheck(False, "future")
    if chain:
        last = max(chain, key=lambda s: _index(s.kind))
        if occurred_at.astimezone(UTC) < last.occurred_at.astimezone(UTC):
            return CustodyCheck(False, "before_previous", last.kind, last.occurred_at)
    return CustodyCheck(True, "ok")


def check_custody_correction(
    *,
    chain: Sequence[CustodyStep],
    kind: str,
    occurred_at: datetime,
    now: datetime,
    void: bool = False,
) -> CustodyCheck:
    """May the recorded step `kind` be corrected to this time, or voided (entered in error)?
    The corrected time must stay between its neighbours; only the last step may be voided."""
    _aware("occurred_at", occurred_at)
    _aware("now", now)
    position = _index(kind)
    before = [s for s in chain if _index(s.kind) < position]
    after = [s for s in chain if _index(s.kind) > position]
    if void:
        if after:
            first = min(after, key=lambda s: _index(s.kind))
            return CustodyCheck(False, "not_last", first.kind, first.occurred_at)
        return CustodyCheck(True, "ok")
    if occurred_at > now + CLOCK_SKEW:
        return CustodyCheck(False, "future")
    if before:
        previous = max(before, key=lambda s: _index(s.kind))
        if occurred_at.astimezone(UTC) < previous.occurred_at.astimezone(UTC):
            return CustodyCheck(False, "before_previous", previous.kind, previous.occurred_at)
    if after:
        following = min(after, key=lambda s: _index(s.kind))
        if occurred_at.astimezone(UTC) > following.occurred_at.astimezone(UTC):
            return CustodyCheck(False, "after_next", following.kind, following.occurred_at)
    return CustodyCheck(True, "ok")


@dataclass(frozen=True)
class LoggedEvent:
    """An event as logged: an original step, or a correction (`corrects` = original id)."""

    id: int
    kind: str
    occurred_at: datetime
    corrects: int | None = None
    void: bool = False


def effective_chain(events: Iterable[LoggedEvent]) -> tuple[LoggedEvent, ...]:
    """The chain as it stands: each original replaced by its latest correction, voided steps
    left out, in custody order. The log itself keeps every event."""
    originals: dict[int, LoggedEvent] = {}
    latest: dict[int, LoggedEvent] = {}
    for event in sorted(events, key=lambda e: e.id):
        if event.corrects is None:
            originals[event.id] = event
        else:
            latest[event.corrects] = event
    chain = []
    for original_id, original in originals.items():
        current = latest.get(original_id, original)
        if current.void:
            continue
        chain.append(LoggedEvent(original_id, original.kind, current.occurred_at, None, False))
    return tuple(sorted(chain, key=lambda e: (_index(e.kind), e.id)))


# --- Dose per kilogram ---------------------------------------------------------------------

# Products whose label doses by body weight (clinical reference §4): axi-cel and brexu-cel
# 2 × 10⁶/kg (max 2 × 10⁸), cilta-cel 0.5–1.0 × 10⁶/kg (max 1 × 10⁸). Keyed by catalogue code.
WEIGHT_DOSED_PRODUCTS = frozenset({"axi-cel", "brexu-cel", "cilta-cel"})


def dose_per_kg_10e6(*, total_cells_10e6, weight_kg) -> Decimal:
    """Cells per kilogram (×10⁶/kg), to three decimals."""
    cells = _decimal("total_cells_10e6", total_cells_10e6)
    weight = _decimal("weight_kg", weight_kg)
    if cells is None or weight is None or weight <= 0:
        raise ValueError("dose per kg needs the cell count and a positive weight")
    return (cells / weight).quantize(Decimal("0.001"))


# --- Vein-to-vein time ---------------------------------------------------------------------

V2V_INFUSED = "infused"  # collection to infusion
V2V_SO_FAR = "so_far"  # collection to now, not yet infused


@dataclass(frozen=True)
class VeinToVein:
    basis: str
    elapsed: timedelta | None  # real time elapsed, computed in UTC; None if only a date is known
    calendar_days: int  # days between the local calendar dates
    planned_days: int | None  # collection date to the planned Day 0, before infusion

    @property
    def elapsed_hours(self) -> float | None:
        return None if self.elapsed is None else round(self.elapsed.total_seconds() / 3600, 1)


def vein_to_vein(
    *,
    collected_at: datetime,
    tz: tzinfo,
    infused_at: datetime | None = None,
    infusion_date: date | None = None,
    now: datetime | None = None,
    planned_day0: date | None = None,
) -> VeinToVein:
    """Vein-to-vein time: collection to infusion, or before infusion collection to now (and to
    the planned Day 0). Elapsed time is computed in UTC: two aware datetimes in the same zone
    are otherwise subtracted on the wall clock, an hour wrong across a DST change. Calendar
    days count dates in the centre's zone (`tz`). When only the infusion date is known
    (`infusion_date`), only calendar days are given."""
    _aware("collected_at", collected_at)
    start_date = collected_at.astimezone(tz).date()
    if infused_at is not None:
        _aware("infused_at", infused_at)
        end, basis = infused_at, V2V_INFUSED
    elif infusion_date is not None:
        _plain_date("infusion_date", infusion_date)
        days = (infusion_date - start_date).days
        if days < 0:
            raise ValueError("the infusion date is before the collection")
        return VeinToVein(V2V_INFUSED, None, days, None)
    else:
        if now is None:
            raise ValueError("now is needed before infusion")
        _aware("now", now)
        end, basis = now, V2V_SO_FAR
    elapsed = end.astimezone(UTC) - collected_at.astimezone(UTC)
    if elapsed < timedelta(0):
        raise ValueError("the end of vein-to-vein time is before the collection")
    calendar_days = (end.astimezone(tz).date() - start_date).days
    planned_days = None
    if basis == V2V_SO_FAR and planned_day0 is not None:
        _plain_date("planned_day0", planned_day0)
        planned_days = (planned_day0 - start_date).days
    return VeinToVein(basis, elapsed, calendar_days, planned_days)
