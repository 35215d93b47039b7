"""Washout before apheresis: the first day each recent therapy allows collection.

The one washout rule. Screening (eligibility: the earliest apheresis date) and the
pre-collection check (apheresis) both call washout_checks with the one threshold table
(catalogue/thresholds.py, values from catalogue.selectors.thresholds()), so a washout an
administrator changes changes both. Pure: nothing here imports Django.

Source: clinical reference §5 (washout before apheresis; institutional defaults — review).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .thresholds import DEFAULT_THRESHOLDS, Threshold, complete

# Therapy classes with a washout before apheresis (clinical reference §5).
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


# --- Washout before apheresis ---------------------------------------------------------------

# "other" has no default washout: a clinician judges it.
WASHOUT_THRESHOLD_KEY = {
    WASHOUT_SYSTEMIC_STEROID: "washout_systemic_steroid_days",
    WASHOUT_CHEMOTHERAPY: "washout_chemotherapy_days",
    WASHOUT_ANTI_CD38: "washout_anti_cd38_days",
    WASHOUT_ALEMTUZUMAB: "washout_alemtuzumab_days",
}
WASHOUT_THRESHOLD_KEYS = tuple(WASHOUT_THRESHOLD_KEY.values())


def _plain_date(name: str, value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date, got {value!r}")


@dataclass(frozen=True)
class WashoutTherapy:
    therapy_class: str
    last_dose_date: date
    description: str = ""


@dataclass(frozen=True)
class WashoutCheck:
    therapy: WashoutTherapy
    min_days: int | None  # None: no rule for this class (a clinician judges)
    clear_on: date | None  # first day the washout is complete
    clear: bool | None  # on the day asked about; None when there is no rule
    reason: str


def washout_checks(
    therapies: Iterable[WashoutTherapy],
    *,
    on: date,
    thresholds: Mapping[str, Threshold] = DEFAULT_THRESHOLDS,
) -> tuple[WashoutCheck, ...]:
    """For each recent therapy, the first day apheresis may take place and whether `on` is."""
    _plain_date("on", on)
    th = complete(thresholds, WASHOUT_THRESHOLD_KEYS)
    checks = []
    for therapy in therapies:
        if therapy.therapy_class not in WASHOUT_CLASSES:
            raise ValueError(f"therapy_class must be one of {', '.join(WASHOUT_CLASSES)}")
        _plain_date("last_dose_date", therapy.last_dose_date)
        key = WASHOUT_THRESHOLD_KEY.get(therapy.therapy_class)
        if key is None:
            checks.append(
                WashoutCheck(therapy, None, None, None, "No default washout: clinician to judge.")
            )
            continue
        days = int(th[key].value)
        clear_on = therapy.last_dose_date + timedelta(days=days)
        clear = on >= clear_on
        checks.append(
            WashoutCheck(
                therapy,
                days,
                clear_on,
                clear,
                f"Last dose {therapy.last_dose_date.isoformat()} + {days} days = "
                f"{clear_on.isoformat()}",
            )
        )
    return tuple(checks)


def earliest_apheresis_date(checks: Iterable[WashoutCheck]) -> date | None:
    """The first day every washout with a rule is complete (None when no rule applies)."""
    dates = [c.clear_on for c in checks if c.clear_on is not None]
    return max(dates) if dates else None
