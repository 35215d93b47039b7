"""The dosing tables: drugs, fludarabine renal bands by label, rounding, the lymphodepletion
regimens and the tocilizumab limits. Data only, each row with its source; the calculators in
the sibling modules read them. Pure: nothing here imports Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType

FLUDARABINE = "fludarabine"
CYCLOPHOSPHAMIDE = "cyclophosphamide"
TOCILIZUMAB = "tocilizumab"


@dataclass(frozen=True)
class RenalBand:
    min_crcl_ml_min: int  # lower bound
    reduction_percent: int | None  # None: no dose without a clinician's decision
    label: str
    min_inclusive: bool = True  # False: the band starts strictly above min_crcl_ml_min
    # Older Fludara label: an absolute dose (mg/m²) for the band instead of a reduction.
    dose_mg_per_m2: int | None = None


# Which label's bands a regimen applies (Regimen.renal_table). Issue 16 item 8.
US_FLUDARABINE_LABEL = "us_fludarabine"
FLUDARA_OLDER_LABEL = "fludara_older"

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


@dataclass(frozen=True)
class RegimenDrug:
    drug: str
    dose_mg_per_m2: float
    days: tuple[int, ...]  # relative to Day 0 (CAR-T infusion), all negative


@dataclass(frozen=True)
class Regimen:
    key: str
    name: str
    drugs: tuple[RegimenDrug, ...]
    source: str
    verified: bool  # False: UNVERIFIED in the clinical reference; show "institutional default"
    note: str = ""
    # Whose fludarabine renal bands apply (RENAL_TABLES); the US label unless the regimen's
    # source cites another (issue 16 item 8).
    renal_table: str = US_FLUDARABINE_LABEL


_DAYS_5_TO_3 = (-5, -4, -3)
# Four days of fludarabine with two of cyclophosphamide starting with the first fludarabine
# dose, as the tisa-cel label words the ALL regimen, ending on Day −3 like the 3-day regimens
# so infusion falls 3 days after the last dose (label window 2–14 days). Institutional
# default — review.
_FLU_4_DAYS = (-6, -5, -4, -3)
_CY_2_DAYS = (-6, -5)


def _flu_cy(flu_mg_per_m2: float, cy_mg_per_m2: float) -> tuple[RegimenDrug, ...]:
    return (
        RegimenDrug(FLUDARABINE, flu_mg_per_m2, _DAYS_5_TO_3),
        RegimenDrug(CYCLOPHOSPHAMIDE, cy_mg_per_m2, _DAYS_5_TO_3),
    )


def _cy_flu(cy_mg_per_m2: float, flu_mg_per_m2: float) -> tuple[RegimenDrug, ...]:
    return (
        RegimenDrug(CYCLOPHOSPHAMIDE, cy_mg_per_m2, _DAYS_5_TO_3),
        RegimenDrug(FLUDARABINE, flu_mg_per_m2, _DAYS_5_TO_3),
    )


_ALL_4_PLUS_2 = (
    RegimenDrug(FLUDARABINE, 30, _FLU_4_DAYS),
    RegimenDrug(CYCLOPHOSPHAMIDE, 500, _CY_2_DAYS),
)

# Clinical reference §4 (label data; confirm against the current label before clinical use).
# Where a label gives only "× 3 days" and an infusion window, the days are placed on
# Day −5 to −3 (institutional default — review).
REGIMENS: Mapping[str, Regimen] = MappingProxyType(
    {
        "relma-cel": Regimen(
            key="relma-cel",
            name="Relma-cel (Carteyva): flu 25 + cy 250 mg/m², Day −5 to −3",
            drugs=_flu_cy(25, 250),
            source="Clinical reference §4 (trial regimen)",
            verified=True,
        ),
        "axi-cel": Regimen(
            key="axi-cel",
            name="Axi-cel (Yescarta): cy 500 + flu 30 mg/m², Day −5, −4, −3",
            drugs=_cy_flu(500, 30),
            source="Clinical reference §4 (Yescarta label)",
            verified=True,
        ),
        "brexu-cel-mcl": Regimen(
            key="brexu-cel-mcl",
            name="Brexu-cel (Tecartus) MCL: cy 500 + flu 30 mg/m², Day −5, −4, −3",
            drugs=_cy_flu(500, 30),
            source="Clinical reference §4 (Tecartus label, MCL as axi-cel)",
            verified=True,
            note="MCL only; the adult B-ALL regimen is different and not in this table.",
        ),
        "tisa-cel-lbcl-fl": Regimen(
            key="tisa-cel-lbcl-fl",
            name="Tisa-cel (Kymriah) LBCL/FL: flu 25 + cy 250 mg/m² × 3 days",
            drugs=_flu_cy(25, 250),
            source="Clinical reference §4 (Kymriah label)",
            verified=True,
        ),
        "tisa-cel-all": Regimen(
            key="tisa-cel-all",
            name="Tisa-cel (Kymriah) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days",
            drugs=_ALL_4_PLUS_2,
            source="Clinical reference §4 (Kymriah label)",
            verified=True,
            note="Days −6 to −3 (flu) and −6, −5 (cy) are an institutional default — review.",
        ),
        "liso-cel": Regimen(
            key="liso-cel",
            name="Liso-cel (Breyanzi): flu 30 + cy 300 mg/m² × 3 days",
            drugs=_flu_cy(30, 300),
            source="Clinical reference §4 (Breyanzi label: infuse 2–7 days after)",
            verified=True,
        ),
        "ide-cel": Regimen(
            key="ide-cel",
            name="Ide-cel (Abecma): flu 30 + cy 300 mg/m² × 3 days",
            drugs=_flu_cy(30, 300),
            source="Clinical reference §4 (Abecma label)",
            verified=True,
        ),
        "cilta-cel": Regimen(
            key="cilta-cel",
            name="Cilta-cel (Carvykti): flu 30 + cy 300 mg/m² × 3 days",
            drugs=_flu_cy(30, 300),
            source="Clinical reference §4 (Carvykti label)",
            verified=True,
        ),
        "obe-cel": Regimen(
            key="obe-cel",
            name="Obe-cel (Aucatzyl) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days",
            drugs=_ALL_4_PLUS_2,
            source="Clinical reference §4: UNVERIFIED (FELIX trial regimen)",
            verified=False,
            note=(
                "UNVERIFIED — institutional default, review against the Aucatzyl label. "
                "Obe-cel is given as a split dose (Day 1 and Day 10); check which day the "
                "schedule counts from."
            ),
        ),
    }
)


@dataclass(frozen=True)
class TocilizumabRule:
    mg_per_kg: Decimal
    paediatric_mg_per_kg: Decimal
    paediatric_below_kg: Decimal  # strictly below this weight the paediatric dose applies
    max_dose_mg: Decimal
    rounding_mg: Decimal
    min_interval: timedelta
    max_doses_per_24_h: int
    max_doses_total: int


# Clinical reference §3 (ASCO 2021 / Actemra label): 8 mg/kg IV over 1 h, at most 800 mg a
# dose (12 mg/kg under 30 kg); repeat no sooner than 8 h; at most 3 doses in 24 h and 4 in
# total. Rounding to 1 mg is an institutional default — review.
TOCILIZUMAB_RULE = TocilizumabRule(
    mg_per_kg=Decimal("8"),
    paediatric_mg_per_kg=Decimal("12"),
    paediatric_below_kg=Decimal("30"),
    max_dose_mg=Decimal("800"),
    rounding_mg=Decimal("1"),
    min_interval=timedelta(hours=8),
    max_doses_per_24_h=3,
    max_doses_total=4,
)
