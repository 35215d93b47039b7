"""Helpers of the eligibility rules: dates and numbers checked, decimals written plainly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# --- Helpers --------------------------------------------------------------------------------


def _plain_date(name: str, value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date, got {value!r}")


def _decimal(name: str, value) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return result


def _fmt(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros after the point (1.50 → 1.5, 100 → 100)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
