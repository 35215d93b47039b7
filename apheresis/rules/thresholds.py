"""The numbers of the pre-collection checks: one table, the source beside each value."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from catalogue.thresholds import Threshold

# --- Thresholds ----------------------------------------------------------------------------

_S5 = "Clinical reference §5, pivotal-trial entry criteria (institutional default — review)"
_LOCAL = "Institutional default — review (not in the clinical reference)"
_CD3 = (
    "Manufacturers' apheresis guides commonly ask for CD3+ ≥ 150 cells/µL; "
    "UNVERIFIED institutional default — review"
)

# The numbers of the counts checks, each with its source. The washout days are not here: the
# pre-collection check reads them from the catalogue's one table, as screening does
# (catalogue/thresholds.py, through catalogue.selectors.thresholds()).
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
        )
    }
)
