"""Laboratory units as the hospital measures them: conversion to the one canonical unit each
value is stored in, and plausibility with a clinical suggestion. Pure: no Django.

Issue 16 item 9. A Chinese centre reports SI units (µmol/L, g/L, mg/L); US units are accepted
too. The stored (canonical) unit is the one in the model field's name (haemoglobin_g_dl,
crp_mg_dl, …), so the rules that read them (CAR-HEMATOTOX, eligibility) never see a value in
another unit. A CRP of 12 mg/L is stored as 1.2 mg/dL: no false CAR-HEMATOTOX point.

Conversion factors (standard; e.g. AMA Manual of Style SI conversion table):
- haemoglobin 1 g/dL = 10 g/L;  CRP 1 mg/dL = 10 mg/L;  bilirubin 1 mg/dL = 17.1 µmol/L;
- creatinine 1 mg/dL = 88.4 µmol/L;  ferritin 1 ng/mL = 1 µg/L;
- blood counts 1 × 10⁹/L = 1 000 /µL;  temperature °C = (°F − 32) × 5/9.
Plausible ranges are institutional defaults — review: outside them a typing or unit error
is far likelier than a patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SI = "si"
US = "us"


@dataclass(frozen=True)
class Unit:
    code: str
    symbol: str
    # canonical = value × factor + offset
    factor: Decimal
    offset: Decimal = Decimal(0)


@dataclass(frozen=True)
class Quantity:
    code: str
    name: str  # English, for the pure messages; forms translate their own
    canonical: str  # unit code stored
    units: tuple[Unit, ...]
    plausible: tuple[Decimal, Decimal]  # in the canonical unit
    si_default: str  # the unit a Chinese centre reports
    us_default: str

    def unit(self, code: str) -> Unit:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise ValueError(
            f"{self.name}: unit must be one of {', '.join(u.code for u in self.units)}, "
            f"got {code!r}"
        )


def _u(code, symbol, factor, offset="0") -> Unit:
    return Unit(code, symbol, Decimal(factor), Decimal(offset))


_COUNT_UNITS = (_u("10e9_l", "×10⁹/L", "1"), _u("per_ul", "/µL", "0.001"))

QUANTITIES: dict[str, Quantity] = {
    q.code: q
    for q in (
        Quantity(
            "haemoglobin",
            "Haemoglobin",
            "g_dl",
            (_u("g_l", "g/L", "0.1"), _u("g_dl", "g/dL", "1")),
            (Decimal("1"), Decimal("25")),
            "g_l",
            "g_dl",
        ),
        Quantity(
            "crp",
            "CRP",
            "mg_dl",
            (_u("mg_l", "mg/L", "0.1"), _u("mg_dl", "mg/dL", "1")),
            (Decimal("0"), Decimal("100")),
            "mg_l",
            "mg_dl",
        ),
        Quantity(
            "bilirubin",
            "Bilirubin",
            "mg_dl",
            (_u("umol_l", "µmol/L", str(1 / Decimal("17.1"))), _u("mg_dl", "mg/dL", "1")),
            (Decimal("0"), Decimal("50")),
            "umol_l",
            "mg_dl",
        ),
        Quantity(
            "ferritin",
            "Ferritin",
            "ng_ml",
            (_u("ug_l", "µg/L", "1"), _u("ng_ml", "ng/mL", "1")),
            (Decimal("0"), Decimal("100000")),
            "ug_l",
            "ng_ml",
        ),
        Quantity(
            "platelets",
            "Platelets",
            "10e9_l",
            _COUNT_UNITS,
            (Decimal("0"), Decimal("2000")),
            "10e9_l",
            "10e9_l",
        ),
        Quantity(
            "neutrophils",
            "ANC",
            "10e9_l",
            _COUNT_UNITS,
            (Decimal("0"), Decimal("100")),
            "10e9_l",
            "10e9_l",
        ),
        Quantity(
            "lymphocytes",
            "ALC",
            "10e9_l",
            _COUNT_UNITS,
            (Decimal("0"), Decimal("500")),
            "10e9_l",
            "10e9_l",
        ),
        Quantity(
            # CD3+ T cells before apheresis, stored per µL (apheresis pre-collection check);
            # some laboratories report ×10⁹/L (1 × 10⁹/L = 1 000 /µL).
            "cd3",
            "CD3+",
            "per_ul",
            (_u("per_ul", "/µL", "1"), _u("10e9_l", "×10⁹/L", "1000")),
            (Decimal("0"), Decimal("20000")),
            "per_ul",
            "per_ul",
        ),
        Quantity(
            "temperature",
            "Temperature",
            "c",
            (
                _u("c", "°C", "1"),
                Unit("f", "°F", Decimal(5) / Decimal(9), Decimal(-160) / Decimal(9)),
            ),
            (Decimal("25"), Decimal("45")),
            "c",
            "c",
        ),
    )
}


@dataclass(frozen=True)
class Implausible:
    """A value outside the plausible range, with the likely intended value if a decimal
    point was lost (372 → 37.2)."""

    quantity: str
    value: Decimal
    unit_symbol: str
    low: Decimal  # plausible range, in the unit typed
    high: Decimal
    suggestion: Decimal | None

    @property
    def message(self) -> str:
        name = QUANTITIES[self.quantity].name
        text = f"{name} {_plain(self.value)} {self.unit_symbol} is not possible"
        if self.suggestion is not None:
            return f"{text} — did you mean {_plain(self.suggestion)}?"
        return f"{text} (plausible {_plain(self.low)}–{_plain(self.high)} {self.unit_symbol})."


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def default_unit(quantity: str, system: str = SI) -> str:
    q = QUANTITIES[quantity]
    return q.si_default if system == SI else q.us_default


def from_canonical(quantity: str, value: Decimal, unit: str) -> Decimal:
    u = QUANTITIES[quantity].unit(unit)
    return (Decimal(value) - u.offset) / u.factor


def check(quantity: str, value: Decimal | str | float, unit: str) -> Implausible | None:
    """None when the value is plausible in its unit; otherwise why, with a suggestion."""
    q = QUANTITIES[quantity]
    u = q.unit(unit)
    amount = Decimal(str(value))
    canonical = amount * u.factor + u.offset
    low, high = q.plausible
    if low <= canonical <= high:
        return None
    bounds = sorted((from_canonical(quantity, low, unit), from_canonical(quantity, high, unit)))
    suggestion = None
    for shift in (Decimal(10), Decimal(100), Decimal(1000)):
        for candidate in (amount / shift, amount * shift):
            if low <= candidate * u.factor + u.offset <= high and candidate != 0:
                suggestion = candidate
                break
        if suggestion is not None:
            break
    places = Decimal("0.01")
    return Implausible(
        quantity,
        amount,
        u.symbol,
        bounds[0].quantize(places, rounding=ROUND_HALF_UP),
        bounds[1].quantize(places, rounding=ROUND_HALF_UP),
        suggestion,
    )


def to_canonical(
    quantity: str, value: Decimal | str | float, unit: str, *, places: int | None = None
) -> Decimal:
    """The value in the stored unit. Raises ValueError with the clinical message when it is
    not plausible."""
    problem = check(quantity, value, unit)
    if problem is not None:
        raise ValueError(problem.message)
    u = QUANTITIES[quantity].unit(unit)
    canonical = Decimal(str(value)) * u.factor + u.offset
    if places is not None:
        canonical = canonical.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return canonical


# UCUM spellings laboratory systems send (HL7 OBX-6, FHIR Quantity.code) → the unit codes
# above. One table for the whole programme: monitoring/labs.py derives its counts from it.
UCUM = {
    "g/L": "g_l",
    "g/dL": "g_dl",
    "mg/L": "mg_l",
    "mg/dL": "mg_dl",
    "umol/L": "umol_l",
    "ug/L": "ug_l",
    "ng/mL": "ng_ml",
    "10*9/L": "10e9_l",
    "10^9/L": "10e9_l",
    "x10E9/L": "10e9_l",
    "10*3/uL": "10e9_l",
    "10^3/uL": "10e9_l",
    "x10E3/uL": "10e9_l",
    "/uL": "per_ul",
    "{cells}/uL": "per_ul",
    "Cel": "c",
    "[degF]": "f",
}


def from_ucum(quantity: str, value, ucum: str, *, places: int | None = None) -> Decimal:
    """A laboratory result in its UCUM unit → the stored unit (blank: the stored unit).
    ValueError when the unit is not one of this quantity's or the value is not plausible."""
    q = QUANTITIES[quantity]
    ucum = (ucum or "").strip()
    code = UCUM.get(ucum, ucum) if ucum else q.canonical
    return to_canonical(quantity, value, code, places=places)
