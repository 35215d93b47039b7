"""Washout before collection as pre-collection checks: one check per therapy class, judged on
its latest dose.

The rule and its thresholds are the catalogue's (catalogue/washout.py, the one table in
catalogue/thresholds.py), the same screening uses: this module only turns its answer into
CheckResult rows that an override can name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType

from catalogue import washout
from catalogue.thresholds import DEFAULT_THRESHOLDS, Threshold
from catalogue.washout import (
    WASHOUT_ALEMTUZUMAB,
    WASHOUT_ANTI_CD38,
    WASHOUT_CHEMOTHERAPY,
    WASHOUT_CLASSES,
    WASHOUT_OTHER,
    WASHOUT_SYSTEMIC_STEROID,
    WASHOUT_THRESHOLD_KEY,
)
from catalogue.washout import WashoutTherapy as Therapy

from .checks import CheckResult, _plain_date

__all__ = [
    "WASHOUT_ALEMTUZUMAB",
    "WASHOUT_ANTI_CD38",
    "WASHOUT_CHEMOTHERAPY",
    "WASHOUT_CLASSES",
    "WASHOUT_OTHER",
    "WASHOUT_SYSTEMIC_STEROID",
    "WASHOUT_THRESHOLD_KEY",
    "Therapy",
    "washout_checks",
]


def washout_checks(
    therapies: Iterable[Therapy],
    *,
    collection_date: date,
    thresholds: Mapping[str, Threshold] = DEFAULT_THRESHOLDS,
) -> tuple[CheckResult, ...]:
    """One check per therapy class, judged on the latest dose of that class. "Other" has no
    default washout: a clinician must judge it, so it fails until overridden."""
    _plain_date("collection_date", collection_date)
    latest: dict[str, washout.WashoutCheck] = {}
    for check in washout.washout_checks(therapies, on=collection_date, thresholds=thresholds):
        known = latest.get(check.therapy.therapy_class)
        if known is None or check.therapy.last_dose_date > known.therapy.last_dose_date:
            latest[check.therapy.therapy_class] = check
    results = []
    for therapy_class in WASHOUT_CLASSES:
        check = latest.get(therapy_class)
        if check is None:
            continue
        last = check.therapy.last_dose_date
        observed = f"{therapy_class}:{last.isoformat()}"
        if check.min_days is None:
            params = {"last_dose": last.isoformat(), "min_days": ""}
            results.append(
                CheckResult(f"washout_{therapy_class}", False, observed, MappingProxyType(params))
            )
            continue
        params = {
            "last_dose": last.isoformat(),
            "min_days": str(check.min_days),
            "clear_on": check.clear_on.isoformat(),
            "days_since": str((collection_date - last).days),
        }
        results.append(
            CheckResult(
                f"washout_{therapy_class}", bool(check.clear), observed, MappingProxyType(params)
            )
        )
    return tuple(results)
