"""Helpers of the eligibility rules: dates and numbers checked, decimals written plainly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from catalogue.thresholds import as_decimal as _decimal  # noqa: F401  (one number parser)

# --- Helpers --------------------------------------------------------------------------------


def _plain_date(name: str, value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date, got {value!r}")


def _fmt(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros after the point (1.50 → 1.5, 100 → 100)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
