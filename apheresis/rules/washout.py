"""Washout before collection: one check per therapy class, judged on its latest dose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from .checks import CheckResult, _plain_date
from .thresholds import PRE_COLLECTION_THRESHOLDS, Threshold

# --- Washout before collection -------------------------------------------------------------

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


@dataclass(frozen=True)
class Therapy:
    therapy_class: str
    last_dose_date: date


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
