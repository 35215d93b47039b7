"""Which management advice to show beside the current grades. Pure: no Django.

Advice only: the clinician decides. The wording and source of each suggestion are catalogue
rows (monitoring.ManagementAdvice) that administrators edit; this module decides which apply.

Sources (clinical reference §3):
- ASCO 2021: Santomasso BD et al., Management of Immune-Related Adverse Events in Patients
  Treated With Chimeric Antigen Receptor T-Cell Therapy: ASCO Guideline. J Clin Oncol
  2021;39:3978-3992 (tables 2 and 3): tocilizumab at CRS grade ≥ 2, and for grade 1 with
  persistent fever (> 3 days); grade 2 not improving within 24 h of tocilizumab → manage as
  grade 3; CRS grade 3 or ICANS grade ≥ 2 → dexamethasone 10 mg IV every 6 h; CRS grade 4 →
  methylprednisolone 1 g/day (500 mg IV every 12 h).
- Tocilizumab label (Actemra, CRS): 8 mg/kg (12 mg/kg under 30 kg), at most 800 mg a dose,
  ≥ 8 h apart, at most 3 doses in 24 h and 4 in total (checked by catalogue/dosing.py; the
  caller passes its answer in).
- ASTCT grades (Lee 2019) are the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

TOCILIZUMAB: Final = "tocilizumab"
TOCILIZUMAB_LIMIT: Final = "tocilizumab_limit"
DEXAMETHASONE: Final = "dexamethasone"
MANAGE_AS_GRADE_3: Final = "manage_as_grade_3"
METHYLPREDNISOLONE: Final = "methylprednisolone"
LEVETIRACETAM: Final = "levetiracetam"
ADVICE_KEYS: Final = (
    TOCILIZUMAB,
    TOCILIZUMAB_LIMIT,
    MANAGE_AS_GRADE_3,
    DEXAMETHASONE,
    METHYLPREDNISOLONE,
    LEVETIRACETAM,
)

# ASCO 2021: grade 1 CRS with fever lasting more than 3 days → consider tocilizumab.
PERSISTENT_GRADE_1: Final = timedelta(days=3)
# ASCO 2021: grade 2 not improving this long after tocilizumab → manage as grade 3.
NOT_IMPROVING_AFTER: Final = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Suggestion:
    key: str
    because: str  # a code the caller words and translates
    params: dict = field(default_factory=dict)


def advise(
    *,
    crs_grade: int | None,
    icans_grade: int | None,
    crs_history: Sequence[tuple[datetime, int]],
    tocilizumab_given_at: Sequence[datetime],
    tocilizumab_allowed: bool,
    now: datetime,
    levetiracetam_for_product: bool = False,
) -> tuple[Suggestion, ...]:
    """The suggestions that apply now, most urgent first.

    crs_history: (assessed_at, CRS grade) of the course's assessments, any order.
    tocilizumab_allowed: whether another dose is allowed now (repeat limits of the label).
    """
    crs = crs_grade or 0
    icans = icans_grade or 0
    history = sorted(crs_history)
    doses = sorted(tocilizumab_given_at)
    out: list[Suggestion] = []

    not_improving = False
    if crs == 2 and doses and now - doses[-1] >= NOT_IMPROVING_AFTER:
        since = [grade for moment, grade in history if moment >= doses[-1]]
        not_improving = bool(since) and min(since) >= 2
    if not_improving:
        out.append(Suggestion(MANAGE_AS_GRADE_3, "crs2_not_improving", {"hours": 24}))

    wants_tocilizumab = crs >= 2
    because_tocilizumab = "crs_ge_2"
    if crs == 1:
        onset = _grade_1_since(history)
        if onset is not None and now - onset > PERSISTENT_GRADE_1:
            wants_tocilizumab = True
            because_tocilizumab = "crs1_persistent"
    if wants_tocilizumab:
        if tocilizumab_allowed:
            out.append(Suggestion(TOCILIZUMAB, because_tocilizumab, {"crs": crs}))
        else:
            out.append(Suggestion(TOCILIZUMAB_LIMIT, because_tocilizumab, {"crs": crs}))

    if crs >= 4:
        out.append(Suggestion(METHYLPREDNISOLONE, "crs_4", {"crs": crs}))
    elif crs == 3 or not_improving:
        out.append(Suggestion(DEXAMETHASONE, "crs_3", {"crs": crs}))
    elif icans >= 2:
        out.append(Suggestion(DEXAMETHASONE, "icans_ge_2", {"icans": icans}))

    if levetiracetam_for_product:
        out.append(Suggestion(LEVETIRACETAM, "product_protocol", {}))
    return tuple(out)


def _grade_1_since(history: list[tuple[datetime, int]]) -> datetime | None:
    """Start of the current unbroken run of CRS ≥ 1, or None if the latest is 0."""
    start = None
    for moment, grade in history:
        if grade >= 1:
            start = start or moment
        else:
            start = None
    return start
