"""Outcomes of one CAR-T course: best response, progression, PFS and OS with censoring.

Pure: plain dates and codes in, plain values out, no Django.

Conventions (cite them when reporting):
- Response by Lugano 2014 (Cheson, J Clin Oncol 2014;32:3059): CR > PR > SD > PD; NE (not
  evaluable) and "" (not assessed at this contact) never count as a response.
- Best overall response counts assessments from Day 0 up to the first progression and not
  after a subsequent anti-cancer therapy starts (the response must belong to the CAR-T).
- Overall survival: infusion (Day 0) to death from any cause; alive patients, including those
  lost to follow-up, are censored on the last date they were known to be alive.
- Progression-free survival: Day 0 to progression or death, whichever comes first. Without
  either, censored at the last adequate response assessment; when a new therapy starts
  before progression, censored at the last adequate assessment on or before its start (FDA
  guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics", 2018).
  That is the default convention, PFS_FDA_2018. The other, PFS_EMA, follows the EMA
  "Guideline on the evaluation of anticancer medicinal products in man", Appendix 1 on
  methodological considerations for PFS (EMA/CHMP/27994/2008): a new anti-cancer therapy does
  not censor, progression or death is counted whatever therapy came before it. Which one a
  hospital reports is a setting (PFS_CENSORING), stated on the dashboard (issue 16 item 11;
  institutional default — review).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

CR = "CR"
PR = "PR"
SD = "SD"
PD = "PD"
NE = "NE"
NOT_ASSESSED = ""
RESPONSE_RANK = {CR: 4, PR: 3, SD: 2, PD: 1}
RESPONSES = frozenset({CR, PR, SD, PD, NE, NOT_ASSESSED})

ALIVE = "alive"
DEAD = "dead"
LOST = "lost"
VITAL_STATUSES = frozenset({ALIVE, DEAD, LOST})

# Why a survival time ended.
EVENT_PROGRESSION = "progression"
EVENT_DEATH = "death"
CENSORED_LAST_ASSESSMENT = "censored_last_assessment"
CENSORED_NEW_THERAPY = "censored_new_therapy"
CENSORED_LAST_ALIVE = "censored_last_alive"

DAYS_PER_MONTH = 365.25 / 12

# PFS censoring conventions when a new anti-cancer therapy starts before progression.
PFS_FDA_2018 = "fda_2018"
PFS_EMA = "ema"
PFS_CONVENTIONS = (PFS_FDA_2018, PFS_EMA)


# Lugano 2014 (Cheson, J Clin Oncol 2014;32:3059, table 3): complete metabolic response is a
# PET 5-point (Deauville) score of 1, 2 or 3. A CR recorded with 4 or 5 needs a clinician's
# explicit confirmation and reason (issue 16 item 11), e.g. uptake from inflammation.
DEAUVILLE_COMPLETE_METABOLIC_MAX = 3


def cr_needs_deauville_confirmation(response: str, deauville_score: int | None) -> bool:
    """True when a CR is recorded with a Deauville score above 3 (Lugano 2014: CR is 1–3)."""
    return (
        response == CR
        and deauville_score is not None
        and deauville_score > DEAUVILLE_COMPLETE_METABOLIC_MAX
    )


@dataclass(frozen=True)
class Assessment:
    """What one follow-up visit or contact established."""

    on: date
    response: str = NOT_ASSESSED
    vital_status: str = ALIVE
    death_date: date | None = None
    # Earliest start of a new anti-cancer therapy reported at this contact, if any.
    new_therapy_start: date | None = None


@dataclass(frozen=True)
class SurvivalTime:
    days: int
    event: bool  # False: censored
    on: date  # date of the event, or of censoring
    kind: str  # EVENT_* or CENSORED_*: the reason, in words a report can show

    @property
    def months(self) -> float:
        return round(self.days / DAYS_PER_MONTH, 1)


@dataclass(frozen=True)
class Outcome:
    best_response: str | None
    best_response_date: date | None
    progression_date: date | None
    death_date: date | None
    last_known_alive: date
    lost_to_follow_up: bool
    new_therapy_start: date | None
    pfs: SurvivalTime
    os: SurvivalTime


def _check(day0: date, records: list[Assessment]) -> None:
    for r in records:
        if r.response not in RESPONSES:
            raise ValueError(f"unknown response {r.response!r}")
        if r.vital_status not in VITAL_STATUSES:
            raise ValueError(f"unknown vital status {r.vital_status!r}")
        if r.on < day0:
            raise ValueError(f"an assessment on {r.on} is before Day 0 ({day0})")
        if r.vital_status == DEAD:
            if r.death_date is None:
                raise ValueError(f"the record of {r.on} says dead but gives no date of death")
            if not day0 <= r.death_date <= r.on:
                raise ValueError(f"date of death {r.death_date} is outside Day 0 – {r.on}")
        elif r.death_date is not None:
            raise ValueError(f"the record of {r.on} gives a date of death but not 'dead'")


def _time(day0: date, on: date, event: bool, kind: str) -> SurvivalTime:
    return SurvivalTime(days=(on - day0).days, event=event, on=on, kind=kind)


def course_outcome(
    *, day0: date, assessments: Iterable[Assessment], pfs_censoring: str = PFS_FDA_2018
) -> Outcome:
    """Best response, progression date, PFS and OS of a course, from its follow-up records.

    pfs_censoring: PFS_FDA_2018 (a new therapy before progression censors at the last
    adequate assessment before it) or PFS_EMA (it does not censor)."""
    if pfs_censoring not in PFS_CONVENTIONS:
        raise ValueError(f"unknown PFS censoring convention {pfs_censoring!r}")
    records = sorted(assessments, key=lambda r: r.on)
    _check(day0, records)

    deaths = [r.death_date for r in records if r.vital_status == DEAD]
    death_date = min(deaths) if deaths else None
    if death_date is not None:
        alive_after = [r.on for r in records if r.vital_status == ALIVE and r.on > death_date]
        if alive_after:
            raise ValueError(
                f"the patient is recorded alive on {alive_after[0]}, after death on {death_date}"
            )

    # After death nothing but the death itself can be assessed.
    clinical = [r for r in records if death_date is None or r.on <= death_date]
    progression_date = next((r.on for r in clinical if r.response == PD), None)
    therapy_starts = [r.new_therapy_start for r in clinical if r.new_therapy_start is not None]
    new_therapy = min(therapy_starts) if therapy_starts else None

    counted = [
        r
        for r in clinical
        if r.response in RESPONSE_RANK
        and (progression_date is None or r.on <= progression_date)
        and (new_therapy is None or r.on <= new_therapy)
    ]
    if counted:
        best = max(counted, key=lambda r: (RESPONSE_RANK[r.response], -r.on.toordinal()))
        best_response, best_date = best.response, best.on
    elif any(r.response == NE for r in clinical):
        best_response, best_date = NE, None
    else:
        best_response, best_date = None, None

    alive_dates = [r.on for r in records if r.vital_status == ALIVE]
    last_known_alive = max(alive_dates, default=day0)
    last = records[-1] if records else None
    lost = (
        death_date is None
        and last is not None
        and last.vital_status == LOST
        and last_known_alive <= last.on
    )

    if death_date is not None:
        os = _time(day0, death_date, True, EVENT_DEATH)
    else:
        os = _time(day0, last_known_alive, False, CENSORED_LAST_ALIVE)

    first_event = (
        min(d for d in (progression_date, death_date) if d is not None)
        if (progression_date or death_date)
        else None
    )
    censor_at_new_therapy = pfs_censoring == PFS_FDA_2018 and new_therapy is not None
    if censor_at_new_therapy and (first_event is None or new_therapy < first_event):
        adequate = [r.on for r in clinical if r.response in RESPONSE_RANK and r.on <= new_therapy]
        pfs = _time(day0, max(adequate, default=day0), False, CENSORED_NEW_THERAPY)
    elif first_event is not None:
        kind = EVENT_PROGRESSION if first_event == progression_date else EVENT_DEATH
        pfs = _time(day0, first_event, True, kind)
    else:
        adequate = [r.on for r in clinical if r.response in RESPONSE_RANK]
        pfs = _time(day0, max(adequate, default=day0), False, CENSORED_LAST_ASSESSMENT)

    return Outcome(
        best_response=best_response,
        best_response_date=best_date,
        progression_date=progression_date,
        death_date=death_date,
        last_known_alive=last_known_alive,
        lost_to_follow_up=lost,
        new_therapy_start=new_therapy,
        pfs=pfs,
        os=os,
    )
