"""The order of the chain of custody, vein to vein, and the effective chain after corrections."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .checks import _aware

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
