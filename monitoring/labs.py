"""Monitoring labs after CAR-T: which analytes, their units and plausible ranges. Pure.

CRP and ferritin rise with CRS and (very high ferritin) with IEC-HS; fibrinogen falls in
IEC-HS coagulopathy; ANC and platelets follow the cytopenias graded with CAR-HEMATOTOX
(Lee 2019 ASTCT consensus; Hines 2023 IEC-HS, Transplant Cell Ther 29:438; Rejeski 2021
CAR-HEMATOTOX, Blood 138:2499). Units are UCUM, as laboratory systems send them."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.units import QUANTITIES, UCUM

# Blood counts in ×10⁹/L, from the programme's one UCUM table (core/units.py).
COUNT_UNITS = {
    spelling: QUANTITIES["platelets"].unit(code).factor
    for spelling, code in UCUM.items()
    if code in ("10e9_l", "per_ul")
}


@dataclass(frozen=True)
class Analyte:
    unit: str
    conversions: dict
    low: Decimal
    high: Decimal


ANALYTES = {
    "crp": Analyte("mg/L", {"mg/L": Decimal(1), "mg/dL": Decimal(10)}, Decimal(0), Decimal(1000)),
    "ferritin": Analyte(
        "ug/L",
        {"ug/L": Decimal(1), "ng/mL": Decimal(1), "pmol/L": Decimal("0.445")},
        Decimal(0),
        Decimal(500000),
    ),
    "fibrinogen": Analyte(
        "g/L", {"g/L": Decimal(1), "mg/dL": Decimal("0.01")}, Decimal(0), Decimal(20)
    ),
    "anc": Analyte("10*9/L", COUNT_UNITS, Decimal(0), Decimal(500)),
    "platelets": Analyte("10*9/L", COUNT_UNITS, Decimal(0), Decimal(5000)),
}


class LabValueError(ValueError):
    pass


def canonical_value(analyte: str, value: str | Decimal, unit: str) -> Decimal:
    """The value in the analyte's unit, or LabValueError saying why not."""
    spec = ANALYTES.get(analyte)
    if spec is None:
        raise LabValueError(f"unknown analyte {analyte!r}")
    unit = (unit or spec.unit).strip()
    factor = spec.conversions.get(unit)
    if factor is None:
        raise LabValueError(f"unit {unit!r} is not one of {', '.join(spec.conversions)}")
    try:
        number = Decimal(str(value).strip()) * factor
    except InvalidOperation:
        raise LabValueError(f"{value!r} is not a number") from None
    if not spec.low <= number <= spec.high:
        raise LabValueError(f"{number} {spec.unit} is outside {spec.low}–{spec.high}")
    return number.quantize(Decimal("0.01"))
