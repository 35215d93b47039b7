"""May monitoring end, or must it continue? Pure: no Django.

Clinical reference §3 and issue 16 item 3: the label's monitoring window (at least 2 weeks
under the US labels since June 2025) is a MINIMUM. Monitoring continues while the latest CRS
or ICANS grade is 1 or more, an escalation is unacknowledged, or tocilizumab or a
corticosteroid was given in the last 48 hours, and it ends only when a clinician ends it.
This rule only says whether ending is allowed and why; the clinician decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Final

# Tocilizumab or steroids this recent keep monitoring going (clinical reference §3).
RECENT_TREATMENT: Final = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # worded and translated by monitoring/wording.py
    params: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EndDecision:
    may_end: bool
    reasons: tuple[Reason, ...]  # why it must continue, or the one "may_end" reason
    past_window: bool  # the label window is over (monitoring continues by the rule if not may_end)


def window_end(*, day0: date, window_days: int) -> date:
    """The last day of the label window: Day +window_days."""
    return day0 + timedelta(days=window_days)


def decide(
    *,
    day0: date,
    today: date,
    window_days: int,
    latest_crs: int | None,
    latest_icans: int | None,
    open_escalations: int,
    recent_treatments: list[tuple[str, datetime]],
    now: datetime,
) -> EndDecision:
    """recent_treatments: (drug name, given at) of tocilizumab and corticosteroid doses; only
    those within RECENT_TREATMENT of `now` count (older ones may be passed)."""
    reasons: list[Reason] = []
    until = window_end(day0=day0, window_days=window_days)
    past_window = today > until
    if not past_window:
        reasons.append(Reason("window_open", {"days": window_days, "until": until.isoformat()}))
    if latest_crs is None:
        reasons.append(Reason("no_assessment"))
    elif latest_crs >= 1:
        reasons.append(Reason("grade_active", {"scale": "CRS", "grade": latest_crs}))
    if latest_icans is not None and latest_icans >= 1:
        reasons.append(Reason("grade_active", {"scale": "ICANS", "grade": latest_icans}))
    if open_escalations:
        reasons.append(Reason("escalation_open", {"count": open_escalations}))
    recent = [
        (drug, given)
        for drug, given in recent_treatments
        if timedelta(0) <= now - given <= RECENT_TREATMENT
    ]
    if recent:
        drug, given = max(recent, key=lambda item: item[1])
        reasons.append(Reason("treatment_recent", {"drug": drug, "when": given}))
    if reasons:
        return EndDecision(False, tuple(reasons), past_window)
    return EndDecision(True, (Reason("may_end"),), past_window)
