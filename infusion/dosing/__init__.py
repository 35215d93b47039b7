"""Dose calculation for lymphodepletion, and day numbers around Day 0 (tocilizumab: the
catalogue's, catalogue/dosing.py, which the bedside reads).

Pure functions: plain values in, plain values (with the calculation written out) out. Nothing
here imports Django, so a pharmacist can read every rule and the tests can cover every branch.

Sources: clinical reference (/work/shared/reference/clinical.md) §4 (product lymphodepletion
regimens, Mosteller BSA, BSA cap setting, fludarabine renal adjustment). Values marked
"institutional default — review" are this hospital's choices, not label text.

Decisions documented here (all institutional defaults — review):
- BSA is rounded half-up to 2 decimals before it is used, and the cap and the warning compare
  that rounded value, so what the screen shows is what was decided on. Default: no cap, warn
  above 2.2 m² (strictly above: 2.20 m² does not warn).
- Fludarabine and creatinine clearance: the bands of the label the regimen cites
  (Regimen.renal_table). US fludarabine label (default): CrCl > 70 mL/min full dose;
  30–70 inclusive reduce by 20%; < 30 no dose without a clinician's decision. The older
  Fludara bands are kept as an alternative table. A missing CrCl raises ValueError: the
  calculator never assumes normal kidneys. Clearance by Cockcroft–Gault: infusion/renal.py.
- Arithmetic is done in decimal and rounded half-up (54.5 mg → 55 mg), never banker's rounding.

Modules: tables (renal bands, rounding: data with sources), bsa and lymphodepletion. The
regimens, the input checks and DoseResult are the catalogue's (catalogue/regimens.py,
catalogue/dose_checks.py, catalogue/dosing.py), shared with eligibility and the bedside.
"""

from catalogue.dose_checks import (  # the shared checks, re-exported for infusion
    BSA_M2_RANGE,
    FLAG_BSA_CAPPED,
    FLAG_CAPPED_AT_MAX_DOSE,
    FLAG_RENAL_ADJUSTED,
    FLAG_REQUIRES_CLINICIAN_DECISION,
    FLAG_UNVERIFIED_REGIMEN,
    WEIGHT_KG_RANGE,
)
from catalogue.dosing import DoseResult  # what the lymphodepletion calculator returns
from catalogue.regimens import (  # the catalogue's regimens, re-exported for infusion
    CYCLOPHOSPHAMIDE,
    FLUDARA_OLDER_LABEL,
    FLUDARABINE,
    REGIMENS,
    US_FLUDARABINE_LABEL,
    Regimen,
    RegimenDrug,
)
from patients.rules import (  # day numbers re-exported for dosing callers
    MINUS_SIGN,
    body_surface_area_m2,
    date_of_day,
    day_number,
    format_day,
)

from .bsa import (
    BSA_DEFAULT_CAP_M2,
    BSA_DEFAULT_WARN_ABOVE_M2,
    BsaResult,
    dosing_bsa,
)
from .lymphodepletion import (
    PlannedDose,
    RenalAdjustment,
    fludarabine_renal_adjustment,
    lymphodepletion_dose,
    plan_lymphodepletion,
)
from .tables import (
    FLUDARABINE_RENAL_BANDS,
    LYMPHODEPLETION_DRUGS,
    RENAL_TABLE_SOURCES,
    RENAL_TABLES,
    DrugRule,
    RenalBand,
)

__all__ = [
    "BSA_DEFAULT_CAP_M2",
    "BSA_DEFAULT_WARN_ABOVE_M2",
    "BSA_M2_RANGE",
    "BsaResult",
    "CYCLOPHOSPHAMIDE",
    "DoseResult",
    "DrugRule",
    "FLAG_BSA_CAPPED",
    "FLAG_CAPPED_AT_MAX_DOSE",
    "FLAG_RENAL_ADJUSTED",
    "FLAG_REQUIRES_CLINICIAN_DECISION",
    "FLAG_UNVERIFIED_REGIMEN",
    "FLUDARABINE",
    "FLUDARABINE_RENAL_BANDS",
    "FLUDARA_OLDER_LABEL",
    "LYMPHODEPLETION_DRUGS",
    "MINUS_SIGN",
    "PlannedDose",
    "REGIMENS",
    "RENAL_TABLES",
    "RENAL_TABLE_SOURCES",
    "Regimen",
    "RegimenDrug",
    "RenalAdjustment",
    "RenalBand",
    "US_FLUDARABINE_LABEL",
    "WEIGHT_KG_RANGE",
    "body_surface_area_m2",
    "date_of_day",
    "day_number",
    "dosing_bsa",
    "fludarabine_renal_adjustment",
    "format_day",
    "lymphodepletion_dose",
    "plan_lymphodepletion",
]
