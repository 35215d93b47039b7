"""The dosing tables: fludarabine renal bands by label, and rounding (drug names and the
lymphodepletion regimens are the catalogue's, catalogue/regimens.py; tocilizumab's limits too,
catalogue/dosing.py).
Data only, each row with its source; the calculators in the sibling modules read them.
Pure: nothing here imports Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from catalogue.regimens import (
    CYCLOPHOSPHAMIDE,
    FLUDARA_OLDER_LABEL,
    FLUDARABINE,
    US_FLUDARABINE_LABEL,
)


@dataclass(frozen=True)
class RenalBand:
    min_crcl_ml_min: int  # lower bound
    reduction_percent: int | None  # None: no dose without a clinician's decision
    label: str
    min_inclusive: bool = True  # False: the band starts strictly above min_crcl_ml_min
    # Older Fludara label: an absolute dose (mg/m²) for the band instead of a reduction.
    dose_mg_per_m2: int | None = None


RENAL_TABLES: Mapping[str, tuple[RenalBand, ...]] = MappingProxyType(
    {
        # US fludarabine phosphate injection label: CrCl 30–70 mL/min inclusive → reduce by
        # 20%; < 30 → not without a clinician's decision (clinical reference §4). 70 exactly
        # is reduced, above 70 is full dose. Checked top down.
        US_FLUDARABINE_LABEL: (
            RenalBand(70, 0, "> 70", min_inclusive=False),
            RenalBand(30, 20, "30–70"),
            RenalBand(0, None, "< 30"),
        ),
        # Older Fludara brand label (Cockcroft–Gault bands): ≥ 80 full; 50–79 → 20 mg/m²;
        # 30–49 → 15 mg/m²; < 30 not given (clinical reference §4).
        FLUDARA_OLDER_LABEL: (
            RenalBand(80, 0, "≥ 80"),
            RenalBand(50, 0, "50–79", dose_mg_per_m2=20),
            RenalBand(30, 0, "30–49", dose_mg_per_m2=15),
            RenalBand(0, None, "< 30"),
        ),
    }
)
RENAL_TABLE_SOURCES: Mapping[str, str] = MappingProxyType(
    {
        US_FLUDARABINE_LABEL: "US fludarabine phosphate injection label (CrCl 30–70 → −20%)",
        FLUDARA_OLDER_LABEL: "Older Fludara label (≥ 80 full, 50–79 → 20, 30–49 → 15 mg/m²)",
    }
)
# The default table, kept under its old name for callers.
FLUDARABINE_RENAL_BANDS = RENAL_TABLES[US_FLUDARABINE_LABEL]


@dataclass(frozen=True)
class DrugRule:
    rounding_mg: Decimal
    renal_adjusted: bool


# Rounding (institutional default — review): fludarabine to the nearest 1 mg and
# cyclophosphamide to the nearest 10 mg keep the dose within about 2% of the calculated dose
# for any adult BSA and match what pharmacy can measure. Only fludarabine is renally adjusted
# (clinical reference §4).
LYMPHODEPLETION_DRUGS: Mapping[str, DrugRule] = MappingProxyType(
    {
        FLUDARABINE: DrugRule(rounding_mg=Decimal("1"), renal_adjusted=True),
        CYCLOPHOSPHAMIDE: DrugRule(rounding_mg=Decimal("10"), renal_adjusted=False),
    }
)
