"""Pre-collection checks: counts, their age, venous access and washout; overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from catalogue.thresholds import DEFAULT_THRESHOLDS
from catalogue.washout import WASHOUT_THRESHOLD_KEYS

from .checks import CheckResult, _decimal, _fmt, _plain_date
from .thresholds import PRE_COLLECTION_THRESHOLDS, Threshold
from .washout import Therapy, washout_checks

# The counts thresholds and the catalogue's washout days: what pre_collection_checks needs.
PRE_COLLECTION_DEFAULTS: Mapping[str, Threshold] = MappingProxyType(
    {
        **PRE_COLLECTION_THRESHOLDS,
        **{key: DEFAULT_THRESHOLDS[key] for key in WASHOUT_THRESHOLD_KEYS},
    }
)

# --- Pre-collection checks -----------------------------------------------------------------


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


def pre_collection_checks(
    *,
    collection_date: date,
    alc_10e9_l=None,
    cd3_cells_per_ul=None,
    counts_drawn_on: date | None = None,
    venous_access: str = ACCESS_NOT_ASSESSED,
    therapies: Iterable[Therapy] = (),
    thresholds: Mapping[str, Threshold] = PRE_COLLECTION_DEFAULTS,
) -> tuple[CheckResult, ...]:
    """Every check before a collection, in a fixed order. A missing value fails its check:
    the collection cannot rely on a count nobody measured."""
    _plain_date("collection_date", collection_date)
    missing = [k for k in PRE_COLLECTION_DEFAULTS if k not in thresholds]
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


def blocking_checks(
    checks: Iterable[CheckResult], overrides: Iterable[tuple[str, str]]
) -> tuple[CheckResult, ...]:
    """Failed checks that no override covers; an override is (code, observed)."""
    covered = set(overrides)
    return tuple(c for c in checks if not c.passed and (c.code, c.observed) not in covered)
