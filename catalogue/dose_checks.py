"""Result flags, plausibility ranges, input checks and the decimal helpers of the dosing
calculators. Pure: nothing here imports Django."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

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


def coded(code: str, **params: object) -> dict[str, object]:
    """A sentence as its code and parameters, the stored form core.system_text says in the
    reader's language (issue 17). The wording is the app's texts.py; a rule stays pure and
    still writes its English next to it, for the exports and the audit of what was shown."""
    return {"code": code, "params": params}
