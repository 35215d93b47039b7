"""Creatinine clearance for fludarabine: Cockcroft–Gault, the label's dose bands, and how old
a creatinine may be. Pure: no Django.

Sources (issue 16 item 8; clinical reference §4):
- Cockcroft DW, Gault MH. Nephron 1976;16:31–41: CrCl (mL/min) = (140 − age) × weight (kg) /
  (72 × serum creatinine (mg/dL)), × 0.85 for women. Creatinine 1 mg/dL = 88.4 µmol/L.
  Weight: actual body weight by default (the formula was derived on it); ideal (Devine:
  50 kg (men) / 45.5 kg (women) + 0.9 kg per cm over 152.4 cm) or adjusted (ideal + 0.4 ×
  (actual − ideal)) when the centre chooses — the method text always says which.
  Sex "other" or "unknown": the female factor (the lower clearance) — institutional default,
  review.
- US fludarabine phosphate injection label (§2.3 dose modification in renal impairment):
  CrCl 30–70 mL/min (inclusive) → reduce the dose by 20%; < 30 → not given without a
  clinician's decision. Above 70: full dose.
- The older Fludara brand label (alternative table): CrCl ≥ 80 full dose; 50–79 → 20 mg/m²;
  30–49 → 15 mg/m²; < 30 not given.
- A creatinine older than the institutional limit (default 7 days) is refused unless a
  clinician re-enters it (institutional default — review).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from catalogue.dose_checks import coded

from .dosing import codes

UMOL_PER_MG_DL = Decimal("88.4")
UMOL_L = "umol_l"
MG_DL = "mg_dl"
CREATININE_UNITS = (UMOL_L, MG_DL)

ACTUAL = "actual"
IDEAL = "ideal"
ADJUSTED = "adjusted"
WEIGHT_BASES = (ACTUAL, IDEAL, ADJUSTED)

FEMALE = "F"
MALE = "M"

DEFAULT_MAX_CREATININE_AGE_DAYS = 7

# Plausible serum creatinine (µmol/L): outside this a typing or unit error is likelier.
CREATININE_UMOL_L_RANGE = (Decimal("10"), Decimal("2000"))


@dataclass(frozen=True)
class Clearance:
    crcl_ml_min: Decimal  # one decimal
    creatinine_umol_l: Decimal
    creatinine_mg_dl: Decimal
    weight_basis: str
    weight_used_kg: Decimal
    method: str  # written out, for the plan page and the API
    method_text: dict | None = None  # `method` as a code with parameters (infusion/texts.py)


def creatinine_umol_l(value: Decimal | float | str, unit: str) -> Decimal:
    """Serum creatinine in µmol/L from a value in µmol/L or mg/dL; refuses the impossible."""
    if unit not in CREATININE_UNITS:
        raise ValueError(f"creatinine unit must be one of {CREATININE_UNITS}, got {unit!r}")
    amount = Decimal(str(value))
    umol = amount if unit == UMOL_L else amount * UMOL_PER_MG_DL
    low, high = CREATININE_UMOL_L_RANGE
    if not low <= umol <= high:
        other = "mg/dL" if unit == UMOL_L else "µmol/L"
        raise ValueError(
            f"creatinine {amount} {'µmol/L' if unit == UMOL_L else 'mg/dL'} is not plausible "
            f"(10–2000 µmol/L, 0.11–22.6 mg/dL) — was it measured in {other}?"
        )
    return umol.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ideal_body_weight_kg(*, height_cm: Decimal, sex: str) -> Decimal:
    """Devine: 50 kg (men) or 45.5 kg (women) + 0.9 kg per cm above 152.4 cm (2.3 kg/inch)."""
    base = Decimal("50") if sex == MALE else Decimal("45.5")
    return base + Decimal("0.9") * (Decimal(str(height_cm)) - Decimal("152.4"))


def cockcroft_gault(
    *,
    age_years: int,
    sex: str,
    weight_kg: Decimal | float,
    creatinine: Decimal | float | str,
    creatinine_unit: str,
    height_cm: Decimal | float | None = None,
    weight_basis: str = ACTUAL,
) -> Clearance:
    """Creatinine clearance (mL/min) by Cockcroft–Gault, with the method written out."""
    if weight_basis not in WEIGHT_BASES:
        raise ValueError(f"weight basis must be one of {WEIGHT_BASES}, got {weight_basis!r}")
    if not isinstance(age_years, int) or not 0 <= age_years <= 120:
        raise ValueError(f"age must be 0–120 years, got {age_years!r}")
    actual = Decimal(str(weight_kg))
    if actual <= 0:
        raise ValueError(f"weight must be positive, got {weight_kg!r}")
    umol = creatinine_umol_l(creatinine, creatinine_unit)
    mg_dl = umol / UMOL_PER_MG_DL
    if weight_basis == ACTUAL:
        weight = actual
    else:
        if height_cm is None:
            raise ValueError(f"height is needed for the {weight_basis} weight")
        ideal = ideal_body_weight_kg(height_cm=Decimal(str(height_cm)), sex=sex)
        weight = ideal if weight_basis == IDEAL else ideal + Decimal("0.4") * (actual - ideal)
        weight = min(weight, actual) if weight_basis == IDEAL else weight
    female_factor = sex != MALE
    crcl = Decimal(140 - age_years) * weight / (Decimal(72) * mg_dl)
    if female_factor:
        crcl *= Decimal("0.85")
    crcl = crcl.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    weight = weight.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    mg_text = mg_dl.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sex_text = {MALE: "male", FEMALE: "female × 0.85"}.get(sex, "sex not male: × 0.85")
    method = (
        f"Cockcroft–Gault: (140 − {age_years} y) × {weight} kg ({weight_basis} weight) / "
        f"(72 × {mg_text} mg/dL [creatinine {umol} µmol/L]), {sex_text} = {crcl} mL/min"
    )
    method_text = coded(
        codes.COCKCROFT_GAULT,
        age=age_years,
        weight=str(weight),
        basis=coded(_WEIGHT_BASIS_CODES[weight_basis]),
        mg_dl=str(mg_text),
        umol=str(umol),
        sex=coded({MALE: codes.SEX_MALE, FEMALE: codes.SEX_FEMALE}.get(sex, codes.SEX_NOT_MALE)),
        crcl=str(crcl),
    )
    return Clearance(crcl, umol, mg_text, weight_basis, weight, method, method_text)


_WEIGHT_BASIS_CODES = {
    ACTUAL: codes.WEIGHT_ACTUAL,
    IDEAL: codes.WEIGHT_IDEAL,
    ADJUSTED: codes.WEIGHT_ADJUSTED,
}


def creatinine_too_old(
    *, drawn_on: date, today: date, max_age_days: int = DEFAULT_MAX_CREATININE_AGE_DAYS
) -> bool:
    """True when the creatinine was drawn more than max_age_days before today."""
    for name, value in (("drawn_on", drawn_on), ("today", today)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValueError(f"{name} must be a date, got {value!r}")
    if drawn_on > today:
        raise ValueError(f"the creatinine cannot be drawn in the future ({drawn_on})")
    return (today - drawn_on).days > max_age_days
