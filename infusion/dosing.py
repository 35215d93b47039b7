"""Dose calculation for lymphodepletion and tocilizumab, and day numbers around Day 0.

Pure functions: plain values in, plain values (with the calculation written out) out. Nothing
here imports Django, so a pharmacist can read every rule and the tests can cover every branch.

Sources: clinical reference (/work/shared/reference/clinical.md) §3 (tocilizumab) and §4
(product lymphodepletion regimens, Mosteller BSA, BSA cap setting, fludarabine renal
adjustment). Values marked "institutional default — review" are this hospital's choices, not
label text.

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
- Tocilizumab maximum dose applies to the 12 mg/kg dose too; 30 kg exactly gets 8 mg/kg.
- Tocilizumab "3 in 24 h" counts doses given in the 24 h before `at`; a dose given exactly 24 h
  earlier no longer counts. "No sooner than 8 h": exactly 8 h after the previous dose is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from types import MappingProxyType

from patients.rules import (  # noqa: F401  (day numbers re-exported for dosing callers)
    MINUS_SIGN,
    body_surface_area_m2,
    date_of_day,
    day_number,
    format_day,
)

FLUDARABINE = "fludarabine"
CYCLOPHOSPHAMIDE = "cyclophosphamide"
TOCILIZUMAB = "tocilizumab"

# Flags carried on results, for the UI to colour and for audit.
FLAG_RENAL_ADJUSTED = "renal_adjusted"
FLAG_REQUIRES_CLINICIAN_DECISION = "requires_clinician_decision"
FLAG_CAPPED_AT_MAX_DOSE = "capped_at_max_dose"
FLAG_BSA_CAPPED = "bsa_capped"
FLAG_UNVERIFIED_REGIMEN = "unverified_regimen"

# Outside this range a typing error is far more likely than a patient; the same limits as the
# patient registry's plausibility check (patients.rules), which the BSA path also applies.
WEIGHT_KG_RANGE = (1.0, 350.0)
# BSA outside this range cannot come from a plausible height and weight (Mosteller with
# 40–250 cm and 1–350 kg gives 0.11–4.93 m², but no real patient is near the top).
BSA_M2_RANGE = (0.1, 4.0)


# --- Body surface area ---------------------------------------------------------------------

# Clinical reference §4: "make the cap a setting (default: no cap, warn > 2.2 m²)".
BSA_DEFAULT_CAP_M2: float | None = None
BSA_DEFAULT_WARN_ABOVE_M2 = 2.2


@dataclass(frozen=True)
class BsaResult:
    bsa_m2: float  # the value to dose on: rounded to 2 decimals, capped if a cap applied
    uncapped_bsa_m2: float  # Mosteller, rounded to 2 decimals, before any cap
    capped: bool
    warnings: tuple[str, ...]
    calculation: str


def dosing_bsa(
    *,
    height_cm: float,
    weight_kg: float,
    cap_m2: float | None = BSA_DEFAULT_CAP_M2,
    warn_above_m2: float = BSA_DEFAULT_WARN_ABOVE_M2,
) -> BsaResult:
    """Body surface area to dose on (Mosteller), with the centre's optional cap.

    Height and weight are checked by patients.rules.body_surface_area_m2, which raises
    ValueError naming the field when a value is not plausible.
    """
    _decimal("height_cm", height_cm)
    _decimal("weight_kg", weight_kg)
    cap = None if cap_m2 is None else _positive("cap_m2", cap_m2)
    warn_above = _positive("warn_above_m2", warn_above_m2)

    raw_m2 = body_surface_area_m2(height_cm=height_cm, weight_kg=weight_kg)
    uncapped = _round_half_up(Decimal(repr(raw_m2)), Decimal("0.01"))
    calculation = (
        f"BSA √({_fmt(_decimal('height_cm', height_cm))} cm × "
        f"{_fmt(_decimal('weight_kg', weight_kg))} kg / 3600) = {uncapped:.2f} m²"
    )
    warnings: list[str] = []
    capped = cap is not None and uncapped > cap
    if capped:
        assert cap is not None
        # Rounded down so a cap given with more decimals is never exceeded.
        bsa = cap.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        calculation += f", capped at {bsa:.2f} m²"
        warnings.append(f"BSA {uncapped:.2f} m² capped at {bsa:.2f} m² (centre setting).")
    else:
        bsa = uncapped
        if uncapped > warn_above:
            # Many centres cap at 2.0 m² or dose on adjusted weight in obesity (§4).
            warnings.append(
                f"BSA {uncapped:.2f} m² is above {_fmt(warn_above)} m²: check whether the "
                "centre caps BSA or doses on adjusted weight."
            )
    return BsaResult(
        bsa_m2=float(bsa),
        uncapped_bsa_m2=float(uncapped),
        capped=capped,
        warnings=tuple(warnings),
        calculation=calculation,
    )


# --- Fludarabine renal adjustment -----------------------------------------------------------


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
class RenalAdjustment:
    dose_factor: float | None  # 1.0 full dose, 0.8 reduced, None: clinician decision
    reduction_percent: int | None
    requires_clinician_decision: bool
    reason: str
    band_label: str = ""
    dose_mg_per_m2: int | None = None  # set by a band that gives an absolute dose


def fludarabine_renal_adjustment(
    *, creatinine_clearance_ml_min: float | None, table: str = US_FLUDARABINE_LABEL
) -> RenalAdjustment:
    """Fludarabine dose adjustment for a creatinine clearance (mL/min) by a label's bands.

    The one place the bands are applied: lymphodepletion_dose calls it (issue 15: no copy).
    Raises ValueError when CrCl is missing: fludarabine is renally cleared, so a forgotten
    value must stop the calculation rather than silently give a full dose.
    """
    crcl = _crcl(creatinine_clearance_ml_min, required=True)
    assert crcl is not None
    band = _renal_band(crcl, table)
    where = f"CrCl {_fmt(crcl)} mL/min ({band.label})"
    if band.reduction_percent is None:
        return RenalAdjustment(
            dose_factor=None,
            reduction_percent=None,
            requires_clinician_decision=True,
            reason=f"{where}: do not give fludarabine without a clinician's decision.",
            band_label=band.label,
        )
    if band.dose_mg_per_m2 is not None:
        reason = f"{where}: {band.dose_mg_per_m2} mg/m²."
    elif band.reduction_percent == 0:
        reason = f"{where}: full dose."
    else:
        reason = f"{where}: reduce by {band.reduction_percent}%."
    return RenalAdjustment(
        dose_factor=float(_factor(band.reduction_percent)),
        reduction_percent=band.reduction_percent,
        requires_clinician_decision=False,
        reason=reason,
        band_label=band.label,
        dose_mg_per_m2=band.dose_mg_per_m2,
    )


def _renal_band(crcl: Decimal, table: str = US_FLUDARABINE_LABEL) -> RenalBand:
    if table not in RENAL_TABLES:
        raise ValueError(f"renal table must be one of {', '.join(RENAL_TABLES)}, got {table!r}")
    for band in RENAL_TABLES[table]:
        if crcl > band.min_crcl_ml_min or (band.min_inclusive and crcl == band.min_crcl_ml_min):
            return band
    raise AssertionError("a renal table must end with a band starting at 0")


def _factor(reduction_percent: int) -> Decimal:
    return (Decimal(100) - Decimal(reduction_percent)) / Decimal(100)


# --- Lymphodepletion doses ------------------------------------------------------------------


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
class DoseResult:
    drug: str
    dose_mg: float | None  # None when the dose needs a clinician's decision
    calculation: str  # every step written out, for the prescriber and pharmacist
    requires_clinician_decision: bool = False
    flags: tuple[str, ...] = ()
    full_dose_mg: float | None = None  # before renal adjustment, cap and rounding
    unrounded_dose_mg: float | None = None  # after adjustment and cap, before rounding


def lymphodepletion_dose(
    *,
    drug: str,
    dose_per_m2_mg: float | None = None,
    dose_per_kg_mg: float | None = None,
    bsa_m2: float | None,
    weight_kg: float | None,
    creatinine_clearance_ml_min: float | None = None,
    rounding_mg: float | None = None,
    renal_table: str = US_FLUDARABINE_LABEL,
) -> DoseResult:
    """One day's dose of one lymphodepleting drug.

    Give exactly one of dose_per_m2_mg (needs bsa_m2) and dose_per_kg_mg (needs weight_kg).
    Fludarabine needs creatinine_clearance_ml_min; cyclophosphamide ignores it. rounding_mg
    overrides the drug's rounding step from LYMPHODEPLETION_DRUGS.
    """
    rule = _drug_rule(drug)
    step = rule.rounding_mg if rounding_mg is None else _positive("rounding_mg", rounding_mg)
    bsa = None if bsa_m2 is None else _in_range("bsa_m2", bsa_m2, BSA_M2_RANGE)
    weight = None if weight_kg is None else _weight(weight_kg)
    crcl = _crcl(creatinine_clearance_ml_min, required=False)

    if (dose_per_m2_mg is None) == (dose_per_kg_mg is None):
        raise ValueError("dose_per_m2_mg / dose_per_kg_mg: give exactly one of the two")
    if dose_per_m2_mg is not None:
        per_m2 = _positive("dose_per_m2_mg", dose_per_m2_mg)
        if bsa is None:
            raise ValueError("bsa_m2 is required for a dose in mg/m²")
        full = per_m2 * bsa
        steps = [f"{_fmt(per_m2)} mg/m² × {bsa:.2f} m² = {_fmt(full)} mg"]
    else:
        assert dose_per_kg_mg is not None
        per_kg = _positive("dose_per_kg_mg", dose_per_kg_mg)
        if weight is None:
            raise ValueError("weight_kg is required for a dose in mg/kg")
        full = per_kg * weight
        steps = [f"{_fmt(per_kg)} mg/kg × {_fmt(weight)} kg = {_fmt(full)} mg"]

    dose = full
    flags: list[str] = []
    if rule.renal_adjusted:
        if crcl is None:
            raise ValueError(f"creatinine_clearance_ml_min is required for {drug}")
        adjustment = fludarabine_renal_adjustment(
            creatinine_clearance_ml_min=crcl, table=renal_table
        )
        where = f"CrCl {_fmt(crcl)} mL/min ({adjustment.band_label})"
        if adjustment.requires_clinician_decision:
            steps.append(f"{where} → do not give without a clinician's decision")
            return DoseResult(
                drug=drug,
                dose_mg=None,
                calculation="; ".join(steps),
                requires_clinician_decision=True,
                flags=(FLAG_REQUIRES_CLINICIAN_DECISION,),
                full_dose_mg=float(full),
                unrounded_dose_mg=None,
            )
        if adjustment.dose_mg_per_m2 is not None and dose_per_m2_mg is not None:
            band_dose = Decimal(adjustment.dose_mg_per_m2) * bsa
            if band_dose < full:
                dose = band_dose
                flags.append(FLAG_RENAL_ADJUSTED)
            steps.append(
                f"{where} → {adjustment.dose_mg_per_m2} mg/m² × {bsa:.2f} m² "
                f"= {_fmt(band_dose)} mg"
                + ("" if band_dose < full else " (not above the regimen dose)")
            )
        elif adjustment.reduction_percent:
            dose = full * _factor(adjustment.reduction_percent)
            flags.append(FLAG_RENAL_ADJUSTED)
            steps.append(f"{where} → {MINUS_SIGN}{adjustment.reduction_percent}% = {_fmt(dose)} mg")
        else:
            steps.append(f"{where} → full dose")

    rounded = _round_half_up(dose, step)
    steps.append(f"rounded to {_fmt(rounded)} mg (nearest {_fmt(step)} mg)")
    return DoseResult(
        drug=drug,
        dose_mg=float(rounded),
        calculation="; ".join(steps),
        requires_clinician_decision=False,
        flags=tuple(flags),
        full_dose_mg=float(full),
        unrounded_dose_mg=float(dose),
    )


def _drug_rule(drug: str) -> DrugRule:
    if not isinstance(drug, str) or drug not in LYMPHODEPLETION_DRUGS:
        known = ", ".join(LYMPHODEPLETION_DRUGS)
        raise ValueError(f"drug must be one of {known}, got {drug!r}")
    return LYMPHODEPLETION_DRUGS[drug]


# --- Regimens -------------------------------------------------------------------------------


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
class PlannedDose:
    day_number: int  # relative to Day 0, negative
    calendar_date: date
    drug: str
    dose_mg_per_m2: float
    dose_mg: float | None  # None when fludarabine needs a clinician's decision
    calculation: str
    requires_clinician_decision: bool
    flags: tuple[str, ...]
    warnings: tuple[str, ...]


def plan_lymphodepletion(
    *,
    regimen_key: str,
    height_cm: float,
    weight_kg: float,
    creatinine_clearance_ml_min: float | None,
    day0: date,
    bsa_cap_m2: float | None = None,
) -> list[PlannedDose]:
    """Every lymphodepletion administration of a regimen, in the order given.

    Sorted by day, then by the drug order in the regimen table. Each drug's dose is the same on
    every day of the course (one BSA, one CrCl).
    """
    regimen = _regimen(regimen_key)
    _plain_date("day0", day0)
    if bsa_cap_m2 is not None:
        _positive("bsa_cap_m2", bsa_cap_m2)
    bsa = dosing_bsa(height_cm=height_cm, weight_kg=weight_kg, cap_m2=bsa_cap_m2)

    common_flags: list[str] = []
    warnings = list(bsa.warnings)
    if bsa.capped:
        common_flags.append(FLAG_BSA_CAPPED)
    if not regimen.verified:
        common_flags.append(FLAG_UNVERIFIED_REGIMEN)
        warnings.append(f"Regimen {regimen.key} is UNVERIFIED: institutional default — review.")

    planned: list[tuple[int, int, PlannedDose]] = []
    for order, item in enumerate(regimen.drugs):
        dose = lymphodepletion_dose(
            drug=item.drug,
            dose_per_m2_mg=item.dose_mg_per_m2,
            bsa_m2=bsa.bsa_m2,
            weight_kg=weight_kg,
            creatinine_clearance_ml_min=creatinine_clearance_ml_min,
            renal_table=regimen.renal_table,
        )
        for day in item.days:
            planned.append(
                (
                    day,
                    order,
                    PlannedDose(
                        day_number=day,
                        calendar_date=date_of_day(day0=day0, day=day),
                        drug=item.drug,
                        dose_mg_per_m2=item.dose_mg_per_m2,
                        dose_mg=dose.dose_mg,
                        calculation=f"{bsa.calculation}; {dose.calculation}",
                        requires_clinician_decision=dose.requires_clinician_decision,
                        flags=tuple(common_flags) + dose.flags,
                        warnings=tuple(warnings),
                    ),
                )
            )
    planned.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in planned]


def _regimen(regimen_key: str) -> Regimen:
    if not isinstance(regimen_key, str) or regimen_key not in REGIMENS:
        known = ", ".join(REGIMENS)
        raise ValueError(f"regimen_key must be one of {known}, got {regimen_key!r}")
    return REGIMENS[regimen_key]


# --- Tocilizumab ----------------------------------------------------------------------------


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


def tocilizumab_dose(*, weight_kg: float) -> DoseResult:
    """One tocilizumab dose for CRS: 8 mg/kg (12 mg/kg under 30 kg), at most 800 mg."""
    rule = TOCILIZUMAB_RULE
    weight = _weight(weight_kg)
    if weight < rule.paediatric_below_kg:
        per_kg = rule.paediatric_mg_per_kg
        basis = f"{_fmt(per_kg)} mg/kg (weight < {_fmt(rule.paediatric_below_kg)} kg)"
    else:
        per_kg = rule.mg_per_kg
        basis = f"{_fmt(per_kg)} mg/kg"
    full = per_kg * weight
    steps = [f"{basis} × {_fmt(weight)} kg = {_fmt(full)} mg"]
    flags: list[str] = []
    if full > rule.max_dose_mg:
        dose = rule.max_dose_mg
        flags.append(FLAG_CAPPED_AT_MAX_DOSE)
        steps.append(f"capped at the {_fmt(rule.max_dose_mg)} mg maximum dose")
    else:
        # Rounding must not push a dose just under the maximum above it.
        dose = min(_round_half_up(full, rule.rounding_mg), rule.max_dose_mg)
        steps.append(f"rounded to {_fmt(dose)} mg (nearest {_fmt(rule.rounding_mg)} mg)")
    return DoseResult(
        drug=TOCILIZUMAB,
        dose_mg=float(dose),
        calculation="; ".join(steps),
        requires_clinician_decision=False,
        flags=tuple(flags),
        full_dose_mg=float(full),
        unrounded_dose_mg=float(min(full, rule.max_dose_mg)),
    )


@dataclass(frozen=True)
class DoseLimitResult:
    allowed: bool
    reason: str
    doses_in_last_24_h: int
    doses_total: int
    # When refused only for timing: the earliest moment a dose becomes allowed.
    # None when allowed, or when the total limit is reached (no more doses at all).
    next_allowed_at: datetime | None = None


def tocilizumab_dose_allowed(*, given_at: Iterable[datetime], at: datetime) -> DoseLimitResult:
    """May another tocilizumab dose be given at `at`, given the earlier doses?

    All datetimes must be timezone-aware. A dose recorded after `at` raises ValueError: the
    question is about the next dose, so the history must end before it.
    """
    rule = TOCILIZUMAB_RULE
    _aware("at", at)
    if isinstance(given_at, (str, bytes)) or not isinstance(given_at, Iterable):
        raise ValueError("given_at must be a list of datetimes")
    # Work in UTC: Python subtracts and compares two datetimes that share a tzinfo by wall
    # clock, so across a DST change "8 h" on the clock could be 7 h of real time.
    at_utc = at.astimezone(UTC)
    doses: list[datetime] = []
    for given in given_at:
        _aware("given_at", given)
        doses.append(given.astimezone(UTC))
    doses.sort()
    if doses and doses[-1] > at_utc:
        raise ValueError("given_at contains a dose after `at`")

    window_start = at_utc - timedelta(hours=24)
    in_window = [given for given in doses if given > window_start]
    total = len(doses)
    reasons: list[str] = []
    waits: list[datetime] = []

    if total >= rule.max_doses_total:
        reasons.append(f"{total} doses already given; at most {rule.max_doses_total} in total.")
    if len(in_window) >= rule.max_doses_per_24_h:
        reasons.append(
            f"{len(in_window)} doses in the last 24 h; at most "
            f"{rule.max_doses_per_24_h} in any 24 h."
        )
        # The window frees a place when the oldest dose that fills it is 24 h old.
        waits.append(in_window[-rule.max_doses_per_24_h] + timedelta(hours=24))
    if doses and at_utc - doses[-1] < rule.min_interval:
        reasons.append(
            f"Only {_fmt_duration(at_utc - doses[-1])} since the previous dose; wait at least "
            f"{_fmt_duration(rule.min_interval)}."
        )
        waits.append(doses[-1] + rule.min_interval)

    if reasons:
        # Given back in the caller's timezone, for display.
        next_allowed = None if total >= rule.max_doses_total else max(waits).astimezone(at.tzinfo)
        return DoseLimitResult(
            allowed=False,
            reason=" ".join(reasons),
            doses_in_last_24_h=len(in_window),
            doses_total=total,
            next_allowed_at=next_allowed,
        )
    if not doses:
        reason = f"First dose (at most {rule.max_doses_total} in total)."
    else:
        reason = (
            f"Dose {total + 1} of at most {rule.max_doses_total}; {len(in_window)} in the last "
            f"24 h (at most {rule.max_doses_per_24_h}); {_fmt_duration(at_utc - doses[-1])} since "
            f"the previous dose (at least {_fmt_duration(rule.min_interval)})."
        )
    return DoseLimitResult(
        allowed=True,
        reason=reason,
        doses_in_last_24_h=len(in_window),
        doses_total=total,
        next_allowed_at=None,
    )


def _fmt_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" if minutes == 0 else f"{hours} h {minutes} min"


# --- Input checks and number helpers -------------------------------------------------------


def _decimal(field: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"{field} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{field} must be a finite number, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{field} must be a finite number, got {value!r}")
    # repr() of a float is the shortest decimal that round-trips, so 0.1 stays 0.1.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _positive(field: str, value: object) -> Decimal:
    number = _decimal(field, value)
    if number <= 0:
        raise ValueError(f"{field} must be greater than 0, got {value!r}")
    return number


def _in_range(field: str, value: object, bounds: tuple[float, float]) -> Decimal:
    number = _decimal(field, value)
    low, high = bounds
    if not Decimal(repr(low)) <= number <= Decimal(repr(high)):
        raise ValueError(f"{field} must be between {low:g} and {high:g}, got {value!r}")
    return number


def _weight(weight_kg: object) -> Decimal:
    return _in_range("weight_kg", weight_kg, WEIGHT_KG_RANGE)


def _crcl(value: object, *, required: bool) -> Decimal | None:
    if value is None:
        if required:
            raise ValueError("creatinine_clearance_ml_min is required")
        return None
    crcl = _decimal("creatinine_clearance_ml_min", value)
    if crcl < 0:
        raise ValueError(f"creatinine_clearance_ml_min must not be negative, got {value!r}")
    return crcl


def _int(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a whole number of days, got {value!r}")


def _plain_date(field: str, value: object) -> None:
    # datetime is a subclass of date, so it has to be refused explicitly.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{field} must be a date (not a datetime), got {value!r}")


def _aware(field: str, value: object) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{field} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, got {value!r}")


def _round_half_up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
