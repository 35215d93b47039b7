"""Lymphodepletion regimens of the catalogue products: drugs, doses (mg/m²) and days around
Day 0, each with its source. Pure data: nothing here imports Django. Eligibility names a
regimen per indication (ProductIndication.lymphodepletion_regimen_key); infusion doses it.

Source: clinical reference (/work/shared/reference/clinical.md) §4 (product lymphodepletion
regimens). Confirm against the current label before clinical use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

FLUDARABINE = "fludarabine"
CYCLOPHOSPHAMIDE = "cyclophosphamide"

# Which label's fludarabine renal bands a regimen applies (Regimen.renal_table; the bands
# themselves are infusion's dosing table). Issue 16 item 8.
US_FLUDARABINE_LABEL = "us_fludarabine"
FLUDARA_OLDER_LABEL = "fludara_older"


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
