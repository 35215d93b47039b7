"""Hypotension and hypoxia from the vital signs the nurse typed. Pure: no Django.

The ASTCT grading in grading.py takes "hypotension" and the oxygen device as the nurse states
them. A box left unticked while the pressure reads 82/48 graded CRS 1 (issue 16 item 2). This
module derives both from the measured values and feeds the worse of box and numbers to the
unchanged grading interface, with a finding that says why whenever the two disagree.

Sources (clinical reference §3, institutional default — review):
- Hypotension in adults: systolic below 90 mmHg or mean arterial pressure below 65 mmHg.
  MAP = (systolic + 2 × diastolic) / 3.
- Hypotension in children (AHA Pediatric Advanced Life Support 2020, hypotension by age):
  systolic < 60 mmHg in term neonates (0–28 days), < 70 mmHg from 1 month to 1 year,
  < 70 + 2 × age in years from 1 to 10 years, and the adult threshold from 10 years. PALS gives
  no MAP cut-off by age, so the MAP criterion applies from 10 years only.
- Hypoxia: SpO2 below 90% on room air. ASTCT (Lee 2019) grades hypoxia by the oxygen needed;
  SpO2 < 90% on room air needs at least low-flow oxygen, so it is graded as at least blow-by /
  low-flow oxygen (grade 2), the lowest oxygen support ASTCT counts.
The three adult thresholds are catalogue rows (monitoring.VitalSignThreshold) that
administrators edit with their source; DEFAULT_THRESHOLDS are the values seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from . import grading

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DerivedVitals",
    "Finding",
    "VitalThresholds",
    "derive",
    "mean_arterial_pressure",
    "systolic_threshold_for_age",
]


@dataclass(frozen=True, slots=True)
class VitalThresholds:
    systolic_below_mmhg: float = 90.0
    map_below_mmhg: float = 65.0
    spo2_room_air_below_percent: float = 90.0


DEFAULT_THRESHOLDS: Final = VitalThresholds()

# PALS 2020 hypotension by age (see module docstring).
NEONATE_MAX_AGE_YEARS: Final = 28 / 365.25
NEONATE_SYSTOLIC_BELOW_MMHG: Final = 60.0
INFANT_SYSTOLIC_BELOW_MMHG: Final = 70.0
CHILD_SYSTOLIC_BASE_MMHG: Final = 70.0
CHILD_SYSTOLIC_PER_YEAR_MMHG: Final = 2.0
ADULT_THRESHOLD_FROM_AGE_YEARS: Final = 10.0

# The least oxygen support ASTCT grades (grade 2): hypoxia on room air is graded as this.
ROOM_AIR_HYPOXIA_DEVICE: Final = "blow_by"


@dataclass(frozen=True, slots=True)
class Finding:
    """One derivation note: a code (worded and translated by the caller) and its values."""

    code: str
    params: dict


@dataclass(frozen=True, slots=True)
class DerivedVitals:
    """What the grading receives, and why it differs from the boxes when it does."""

    hypotension: bool
    oxygen_device: str
    oxygen_flow_l_min: float | None
    findings: tuple[Finding, ...]


def mean_arterial_pressure(systolic_mmhg: float, diastolic_mmhg: float) -> float:
    return (systolic_mmhg + 2 * diastolic_mmhg) / 3


def systolic_threshold_for_age(age_years: float, thresholds: VitalThresholds) -> float:
    """Systolic pressure below which a patient of this age is hypotensive (PALS 2020)."""
    if age_years < 0:
        raise ValueError(f"age_years must not be negative, got {age_years!r}")
    if age_years >= ADULT_THRESHOLD_FROM_AGE_YEARS:
        return thresholds.systolic_below_mmhg
    if age_years < NEONATE_MAX_AGE_YEARS:
        return NEONATE_SYSTOLIC_BELOW_MMHG
    if age_years < 1:
        return INFANT_SYSTOLIC_BELOW_MMHG
    return CHILD_SYSTOLIC_BASE_MMHG + CHILD_SYSTOLIC_PER_YEAR_MMHG * int(age_years)


def derive(
    *,
    age_years: float,
    systolic_mmhg: float | None,
    diastolic_mmhg: float | None,
    spo2_percent: float | None,
    hypotension_ticked: bool,
    oxygen_device: str,
    oxygen_flow_l_min: float | None,
    thresholds: VitalThresholds = DEFAULT_THRESHOLDS,
) -> DerivedVitals:
    """The worse of the nurse's boxes and the measured values, with the reason.

    A value not measured (None) derives nothing; the box then stands alone.
    """
    findings: list[Finding] = []
    hypotension = bool(hypotension_ticked)
    measured_low: list[Finding] = []
    adult = age_years >= ADULT_THRESHOLD_FROM_AGE_YEARS
    if systolic_mmhg is not None:
        limit = systolic_threshold_for_age(age_years, thresholds)
        if systolic_mmhg < limit:
            code = "systolic_low" if adult else "systolic_low_child"
            measured_low.append(
                Finding(code, {"systolic": _num(systolic_mmhg), "limit": _num(limit)})
            )
    if adult and systolic_mmhg is not None and diastolic_mmhg is not None:
        mean = mean_arterial_pressure(systolic_mmhg, diastolic_mmhg)
        if mean < thresholds.map_below_mmhg:
            limit = thresholds.map_below_mmhg
            measured_low.append(
                Finding("map_low", {"map": _num(round(mean, 1)), "limit": _num(limit)})
            )
    if measured_low and not hypotension_ticked:
        hypotension = True
        findings.extend(measured_low)
        findings.append(Finding("hypotension_from_numbers", {}))
    elif hypotension_ticked and not measured_low and systolic_mmhg is not None:
        findings.append(
            Finding(
                "hypotension_box_only",
                {"systolic": _num(systolic_mmhg), "diastolic": _num(diastolic_mmhg or 0)},
            )
        )

    device = oxygen_device
    flow = oxygen_flow_l_min
    if (
        spo2_percent is not None
        and oxygen_device == "room_air"
        and not oxygen_flow_l_min  # a flow on room air is refused by the grading as it is
        and spo2_percent < thresholds.spo2_room_air_below_percent
    ):
        device = ROOM_AIR_HYPOXIA_DEVICE
        flow = None
        findings.append(
            Finding(
                "spo2_low_room_air",
                {
                    "spo2": _num(spo2_percent),
                    "limit": _num(thresholds.spo2_room_air_below_percent),
                    "grade": grading.OXYGEN_DEVICE_GRADE[ROOM_AIR_HYPOXIA_DEVICE],
                },
            )
        )
    return DerivedVitals(
        hypotension=hypotension,
        oxygen_device=device,
        oxygen_flow_l_min=flow,
        findings=tuple(findings),
    )


def _num(value: float) -> str:
    return f"{float(value):g}"
