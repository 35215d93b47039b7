"""How often a patient is assessed after infusion, and the ward's shifts. Pure functions.

Clinical reference §3 (institutional default — review): vital signs every 4 h and ICE every
12 h while grades are 0; vital signs every 2 h and ICE every 8 h at grade 1; hourly vital
signs and ICE every 4 h at grade ≥ 2 or in ICU. ASCO 2021 asks for ICE at least twice daily.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

VITALS = "vitals"
NEURO = "neuro"

# (vital signs interval, neurological interval) by intensity level.
INTERVALS: dict[str, tuple[timedelta, timedelta]] = {
    "standard": (timedelta(hours=4), timedelta(hours=12)),
    "grade_1": (timedelta(hours=2), timedelta(hours=8)),
    "grade_2_or_icu": (timedelta(hours=1), timedelta(hours=4)),
}

# Monitoring after infusion: at least 2 weeks (US labels since June 2025). Per product when
# the catalogue says so; this is the default window.
DEFAULT_MONITORING_DAYS = 14

# A reminder goes out this long before a task is due, and again once it is this late.
COMING_DUE_LEAD = timedelta(minutes=30)
OVERDUE_AFTER = timedelta(minutes=15)

# Ward shifts (institutional default — review): day 08:00–20:00, night 20:00–08:00.
DAY_SHIFT_START = time(8, 0)
NIGHT_SHIFT_START = time(20, 0)


def intensity(*, crs_grade: int | None, icans_grade: int | None, in_icu: bool) -> str:
    worst = max(crs_grade or 0, icans_grade or 0)
    if in_icu or worst >= 2:
        return "grade_2_or_icu"
    if worst == 1:
        return "grade_1"
    return "standard"


def interval_for(
    *, kind: str, crs_grade: int | None, icans_grade: int | None, in_icu: bool
) -> timedelta:
    if kind not in (VITALS, NEURO):
        raise ValueError(f"kind must be {VITALS!r} or {NEURO!r}, got {kind!r}")
    vitals, neuro = INTERVALS[
        intensity(crs_grade=crs_grade, icans_grade=icans_grade, in_icu=in_icu)
    ]
    return vitals if kind == VITALS else neuro


def next_due(
    *, last_done_at: datetime | None, interval: timedelta, monitoring_started_at: datetime
) -> datetime:
    """When the next assessment of a kind is due.

    Never assessed: due when monitoring started (overdue if that has passed). Otherwise the
    last assessment plus the interval, which may also be in the past. The answer depends only
    on recorded facts, never on the clock, so two sweeps compute the same slot.
    """
    if last_done_at is None:
        return monitoring_started_at
    return last_done_at + interval


@dataclass(frozen=True)
class Shift:
    name: str  # "day" or "night"
    start: datetime
    end: datetime


def shift_at(moment: datetime) -> Shift:
    """The shift a local, aware moment falls in."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    tz = moment.tzinfo
    today = moment.date()
    day_start = datetime.combine(today, DAY_SHIFT_START, tzinfo=tz)
    night_start = datetime.combine(today, NIGHT_SHIFT_START, tzinfo=tz)
    if day_start <= moment < night_start:
        return Shift("day", day_start, night_start)
    if moment >= night_start:
        return Shift("night", night_start, day_start + timedelta(days=1))
    return Shift("night", night_start - timedelta(days=1), day_start)


def trend(previous: int | None, latest: int | None) -> str:
    """ "up", "down", "same" or "" (nothing to compare)."""
    if previous is None or latest is None:
        return ""
    if latest > previous:
        return "up"
    if latest < previous:
        return "down"
    return "same"
