"""Discharge restrictions after CAR-T infusion. Pure: no Django.

Source: clinical reference §3. US labels since 26 June 2025 (FDA removed the CAR-T REMS):
stay within reach of the treating centre for 2 weeks after infusion, no driving or hazardous
machinery for 2 weeks — for the six US products only (Abecma, Breyanzi, Carvykti, Kymriah,
Tecartus, Yescarta). Other products keep their own label's terms (relma-cel, obe-cel: 4 and 8
weeks). Each product's terms have one home, its label row in the catalogue (eligibility
ProductLabel, read through catalogue.selectors.discharge_restrictions; issue 16 item 10);
this module only counts the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CURRENT_US_LABEL_STAY_NEAR_CENTRE_DAYS = 14
CURRENT_US_LABEL_NO_DRIVING_DAYS = 14
# Before June 2025 (REMS era), and still in some protocols and countries.
LEGACY_STAY_NEAR_CENTRE_DAYS = 28
LEGACY_NO_DRIVING_DAYS = 56
DEFAULT_SOURCE = "US prescribing information, June 2025 (REMS removed)"

# Plausible bounds for an institutional entry, so a typo (140 for 14) is refused.
MAX_RESTRICTION_DAYS = 365


@dataclass(frozen=True)
class Restrictions:
    stay_near_centre_days: int
    no_driving_days: int
    stay_near_centre_until: date
    no_driving_until: date
    source: str


def restriction_end_dates(
    *,
    day0: date,
    stay_near_centre_days: int = CURRENT_US_LABEL_STAY_NEAR_CENTRE_DAYS,
    no_driving_days: int = CURRENT_US_LABEL_NO_DRIVING_DAYS,
    source: str = DEFAULT_SOURCE,
) -> Restrictions:
    """Last day of each restriction. The labels count from the infusion (Day 0)."""
    for name, value in (
        ("stay_near_centre_days", stay_near_centre_days),
        ("no_driving_days", no_driving_days),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number of days, got {value!r}")
        if not 0 <= value <= MAX_RESTRICTION_DAYS:
            raise ValueError(f"{name} must be between 0 and {MAX_RESTRICTION_DAYS}, got {value}")
    return Restrictions(
        stay_near_centre_days=stay_near_centre_days,
        no_driving_days=no_driving_days,
        stay_near_centre_until=day0 + timedelta(days=stay_near_centre_days),
        no_driving_until=day0 + timedelta(days=no_driving_days),
        source=source,
    )
