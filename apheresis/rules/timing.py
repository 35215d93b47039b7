"""Vein-to-vein time: collection to infusion, or to now and to the planned Day 0."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from .checks import _aware, _plain_date

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
