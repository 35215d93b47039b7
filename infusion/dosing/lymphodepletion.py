"""Fludarabine renal adjustment, one day's lymphodepletion dose and the whole plan of a
regimen. Pure: nothing here imports Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from catalogue.dose_checks import (
    BSA_M2_RANGE,
    FLAG_BSA_CAPPED,
    FLAG_RENAL_ADJUSTED,
    FLAG_REQUIRES_CLINICIAN_DECISION,
    FLAG_UNVERIFIED_REGIMEN,
    _crcl,
    _fmt,
    _in_range,
    _plain_date,
    _positive,
    _round_half_up,
    _weight,
    coded,
)
from catalogue.dosing import DOSE_PER_KG, DOSE_ROUNDED, DoseResult
from catalogue.regimens import REGIMENS, US_FLUDARABINE_LABEL, Regimen
from patients.rules import MINUS_SIGN, date_of_day

from . import codes
from .bsa import dosing_bsa
from .tables import (
    LYMPHODEPLETION_DRUGS,
    RENAL_TABLES,
    DrugRule,
    RenalBand,
)


@dataclass(frozen=True)
class RenalAdjustment:
    dose_factor: float | None  # 1.0 full dose, 0.8 reduced, None: clinician decision
    reduction_percent: int | None
    requires_clinician_decision: bool
    reason: str
    band_label: str = ""
    dose_mg_per_m2: int | None = None  # set by a band that gives an absolute dose
    reason_text: dict | None = None  # `reason` as a code with parameters (infusion/texts.py)


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
    band_params = {"crcl": _fmt(crcl), "band": band.label}
    if band.reduction_percent is None:
        return RenalAdjustment(
            dose_factor=None,
            reduction_percent=None,
            requires_clinician_decision=True,
            reason=f"{where}: do not give fludarabine without a clinician's decision.",
            band_label=band.label,
            reason_text=coded(codes.RENAL_REASON_NO_DOSE, **band_params),
        )
    if band.dose_mg_per_m2 is not None:
        reason = f"{where}: {band.dose_mg_per_m2} mg/m²."
        reason_text = coded(
            codes.RENAL_REASON_BAND_DOSE, band_dose=band.dose_mg_per_m2, **band_params
        )
    elif band.reduction_percent == 0:
        reason = f"{where}: full dose."
        reason_text = coded(codes.RENAL_REASON_FULL_DOSE, **band_params)
    else:
        reason = f"{where}: reduce by {band.reduction_percent}%."
        reason_text = coded(
            codes.RENAL_REASON_REDUCE, percent=band.reduction_percent, **band_params
        )
    return RenalAdjustment(
        dose_factor=float(_factor(band.reduction_percent)),
        reduction_percent=band.reduction_percent,
        requires_clinician_decision=False,
        reason=reason,
        band_label=band.label,
        dose_mg_per_m2=band.dose_mg_per_m2,
        reason_text=reason_text,
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
        coded_steps = [
            coded(codes.DOSE_PER_M2, per_m2=_fmt(per_m2), bsa=f"{bsa:.2f}", dose=_fmt(full))
        ]
    else:
        assert dose_per_kg_mg is not None
        per_kg = _positive("dose_per_kg_mg", dose_per_kg_mg)
        if weight is None:
            raise ValueError("weight_kg is required for a dose in mg/kg")
        full = per_kg * weight
        steps = [f"{_fmt(per_kg)} mg/kg × {_fmt(weight)} kg = {_fmt(full)} mg"]
        coded_steps = [
            coded(DOSE_PER_KG, per_kg=_fmt(per_kg), weight=_fmt(weight), dose=_fmt(full))
        ]

    dose = full
    flags: list[str] = []
    if rule.renal_adjusted:
        if crcl is None:
            raise ValueError(f"creatinine_clearance_ml_min is required for {drug}")
        adjustment = fludarabine_renal_adjustment(
            creatinine_clearance_ml_min=crcl, table=renal_table
        )
        where = f"CrCl {_fmt(crcl)} mL/min ({adjustment.band_label})"
        band_params = {"crcl": _fmt(crcl), "band": adjustment.band_label}
        if adjustment.requires_clinician_decision:
            steps.append(f"{where} → do not give without a clinician's decision")
            coded_steps.append(coded(codes.RENAL_NO_DOSE, **band_params))
            return DoseResult(
                drug=drug,
                dose_mg=None,
                calculation="; ".join(steps),
                requires_clinician_decision=True,
                flags=(FLAG_REQUIRES_CLINICIAN_DECISION,),
                full_dose_mg=float(full),
                unrounded_dose_mg=None,
                steps=tuple(coded_steps),
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
            coded_steps.append(
                coded(
                    codes.RENAL_BAND_DOSE if band_dose < full else codes.RENAL_BAND_DOSE_NOT_LOWER,
                    band_dose=adjustment.dose_mg_per_m2,
                    bsa=f"{bsa:.2f}",
                    dose=_fmt(band_dose),
                    **band_params,
                )
            )
        elif adjustment.reduction_percent:
            dose = full * _factor(adjustment.reduction_percent)
            flags.append(FLAG_RENAL_ADJUSTED)
            steps.append(f"{where} → {MINUS_SIGN}{adjustment.reduction_percent}% = {_fmt(dose)} mg")
            coded_steps.append(
                coded(
                    codes.RENAL_REDUCED,
                    percent=adjustment.reduction_percent,
                    dose=_fmt(dose),
                    **band_params,
                )
            )
        else:
            steps.append(f"{where} → full dose")
            coded_steps.append(coded(codes.RENAL_FULL_DOSE, **band_params))

    rounded = _round_half_up(dose, step)
    steps.append(f"rounded to {_fmt(rounded)} mg (nearest {_fmt(step)} mg)")
    coded_steps.append(coded(DOSE_ROUNDED, dose=_fmt(rounded), step=_fmt(step)))
    return DoseResult(
        drug=drug,
        dose_mg=float(rounded),
        calculation="; ".join(steps),
        requires_clinician_decision=False,
        flags=tuple(flags),
        full_dose_mg=float(full),
        unrounded_dose_mg=float(dose),
        steps=tuple(coded_steps),
    )


def _drug_rule(drug: str) -> DrugRule:
    if not isinstance(drug, str) or drug not in LYMPHODEPLETION_DRUGS:
        known = ", ".join(LYMPHODEPLETION_DRUGS)
        raise ValueError(f"drug must be one of {known}, got {drug!r}")
    return LYMPHODEPLETION_DRUGS[drug]


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
    # `calculation` and `warnings` as codes with parameters (infusion/texts.py).
    steps: tuple[dict, ...] = ()
    warning_texts: tuple[dict, ...] = ()


def plan_lymphodepletion(
    *,
    regimen_key: str,
    height_cm: float,
    weight_kg: float,
    creatinine_clearance_ml_min: float | None,
    day0: date,
    bsa_cap_m2: float | None = None,
    regimen: Regimen | None = None,
) -> list[PlannedDose]:
    """Every lymphodepletion administration of a regimen, in the order given.

    `regimen` is the catalogue's current regimen (catalogue.selectors.regimen, administrators'
    edits included); without it the code's table (REGIMENS) is used.

    Sorted by day, then by the drug order in the regimen table. Each drug's dose is the same on
    every day of the course (one BSA, one CrCl).
    """
    if regimen is None:
        regimen = _regimen(regimen_key)
    elif regimen.key != regimen_key:
        raise ValueError(f"regimen is {regimen.key!r}, not regimen_key {regimen_key!r}")
    _plain_date("day0", day0)
    if bsa_cap_m2 is not None:
        _positive("bsa_cap_m2", bsa_cap_m2)
    bsa = dosing_bsa(height_cm=height_cm, weight_kg=weight_kg, cap_m2=bsa_cap_m2)

    common_flags: list[str] = []
    warnings = list(bsa.warnings)
    warning_texts = list(bsa.warning_texts)
    if bsa.capped:
        common_flags.append(FLAG_BSA_CAPPED)
    if not regimen.verified:
        common_flags.append(FLAG_UNVERIFIED_REGIMEN)
        warnings.append(f"Regimen {regimen.key} is UNVERIFIED: institutional default — review.")
        warning_texts.append(coded(codes.REGIMEN_UNVERIFIED, key=regimen.key))

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
                        steps=bsa.steps + dose.steps,
                        warning_texts=tuple(warning_texts),
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
