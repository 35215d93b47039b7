"""The numbers of the pre-collection checks: one table, the source beside each value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

# --- Thresholds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    key: str
    value: Decimal
    unit: str
    description: str
    source: str
    verified: bool  # False: not confirmed from a primary source; editable default


_S5 = "Clinical reference §5, pivotal-trial entry criteria (institutional default — review)"
_WASH = "Clinical reference §5, washout before apheresis (institutional default — review)"
_LOCAL = "Institutional default — review (not in the clinical reference)"
_CD3 = (
    "Manufacturers' apheresis guides commonly ask for CD3+ ≥ 150 cells/µL; "
    "UNVERIFIED institutional default — review"
)

# Every number the pre-collection checks use, in one table with its source.
PRE_COLLECTION_THRESHOLDS: Mapping[str, Threshold] = MappingProxyType(
    {
        t.key: t
        for t in (
            Threshold("alc_min_10e9_l", Decimal("0.1"), "×10⁹/L", "ALC at least", _S5, True),
            Threshold(
                "cd3_min_cells_per_ul",
                Decimal("150"),
                "cells/µL",
                "CD3+ count at least",
                _CD3,
                False,
            ),
            Threshold(
                "counts_max_age_days",
                Decimal("7"),
                "days",
                "Counts drawn at most this many days before collection",
                _LOCAL,
                False,
            ),
            Threshold(
                "washout_systemic_steroid_days",
                Decimal("7"),
                "days",
                "Systemic steroid > 10 mg prednisone-equivalent a day: stopped at least",
                _WASH,
                True,
            ),
            Threshold(
                "washout_chemotherapy_days",
                Decimal("14"),
                "days",
                "Chemotherapy (reference: 2–3 weeks): stopped at least",
                _WASH,
                True,
            ),
            Threshold(
                "washout_anti_cd38_days",
                Decimal("42"),
                "days",
                "Anti-CD38 antibody: stopped at least",
                _WASH,
                True,
            ),
            Threshold(
                "washout_alemtuzumab_days",
                Decimal("42"),
                "days",
                "Alemtuzumab: stopped at least",
                _WASH,
                True,
            ),
        )
    }
)
