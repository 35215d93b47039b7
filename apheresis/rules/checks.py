"""The result of one pre-collection check; the number, date and time checks the rules share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class CheckResult:
    """One pre-collection check. `observed` identifies what was judged: an override given
    for one observation does not cover a different one (new counts, a later dose)."""

    code: str  # "alc", "cd3", "counts_recent", "venous_access", "washout_<class>"
    passed: bool
    observed: str  # "" when the value is missing
    params: Mapping[str, str]  # values for the message (threshold, dates, ...)

    @property
    def kind(self) -> str:
        return "washout" if self.code.startswith("washout_") else self.code


def _decimal(name: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be a number") from None
    if number < 0 or not number.is_finite():
        raise ValueError(f"{name} cannot be negative")
    return number


def _plain_date(name: str, value) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a calendar date")


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _aware(name: str, value) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
