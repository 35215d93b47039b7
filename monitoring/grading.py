"""ASTCT consensus grading of CRS and ICANS after CAR-T cell infusion.

Pure functions: plain values in, a grade 0-4 (and the findings that set it) out. Nothing here
imports Django or the project, so a clinician can read every threshold in one place and the
hospital can run its own validation cases against the exact functions the ward uses.

Source for every clinical table below: Lee DW et al., ASTCT consensus grading for cytokine
release syndrome and neurologic toxicity associated with immune effector cells.
Biol Blood Marrow Transplant 2019;25:625-638 (clinical reference §1 and §2; PMC8021214 table 1,
PMC8403007 table 4). Plausibility limits are institutional and say so.

Grade 5 (death from CRS or ICANS) is recorded with the death, not computed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final

__all__ = [
    "CAPD_GRADE_BANDS",
    "CONSCIOUSNESS_GRADE",
    "CEREBRAL_EDEMA_GRADE",
    "FEVER_MIN_C",
    "GradeResult",
    "HYPOTENSION_GRADE",
    "ICE_GRADE_BANDS",
    "MOTOR_WEAKNESS_GRADE",
    "OXYGEN_DEVICE_GRADE",
    "SEIZURE_GRADE",
    "VASOPRESSORS",
    "grade_crs",
    "grade_crs_with_reason",
    "grade_icans",
    "grade_icans_with_reason",
    "required_ice_for_age",
]


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A grade 0-4 and the finding(s) that set it, worded for the chart."""

    grade: int
    reasons: tuple[str, ...]


# --- CRS: thresholds (Lee et al., BBMT 2019;25:625; clinical reference §1) ------------------

# Fever is a temperature >= 38.0 °C; it is required for any CRS grade unless masked by treatment.
FEVER_MIN_C: Final = 38.0
# Fever alone, without hypotension or hypoxia.
CRS_FEVER_ONLY_GRADE: Final = 1

# Hypotension column. Vasopressor dose plays no part in ASTCT grading.
HYPOTENSION_GRADE: Final[Mapping[str, int]] = MappingProxyType(
    {
        "none": 0,
        "without_vasopressor": 2,
        # One vasopressor, with or without vasopressin. Vasopressin alone is also one vasopressor.
        "one_vasopressor": 3,
        # Two or more vasopressors, vasopressin not counted.
        "multiple_vasopressors": 4,
    }
)

# Drug names accepted in `vasopressors` (lower case; spaces and hyphens read as underscores).
# Inotropes without vasopressor action (dobutamine, milrinone) are deliberately absent, so naming
# one raises instead of silently raising the CRS grade.
VASOPRESSORS: Final = frozenset(
    {
        "norepinephrine",
        "epinephrine",
        "phenylephrine",
        "dopamine",
        "vasopressin",
        "angiotensin_ii",
        "metaraminol",
    }
)
# British names seen on drug charts.
VASOPRESSOR_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {"noradrenaline": "norepinephrine", "adrenaline": "epinephrine"}
)
# ASTCT: "multiple vasopressors (excluding vasopressin)" for grade 4.
VASOPRESSOR_NOT_COUNTED: Final = "vasopressin"

# Hypoxia column, graded by oxygen device. Masks are grade 3 whatever the flow; only the nasal
# cannula is split by flow (see NASAL_CANNULA_LOW_FLOW_MAX_L_MIN).
OXYGEN_DEVICE_GRADE: Final[Mapping[str, int]] = MappingProxyType(
    {
        "room_air": 0,
        "blow_by": 2,
        "nasal_cannula": 2,  # low flow; above the cut-off it is NASAL_CANNULA_HIGH_FLOW_GRADE
        "high_flow_nasal_cannula": 3,
        "face_mask": 3,
        "non_rebreather": 3,
        "venturi": 3,
        "cpap": 4,
        "bipap": 4,
        "mechanical_ventilation": 4,
    }
)
# "Low-flow nasal cannula" is <= 6 L/min: exactly 6 L/min is still grade 2.
NASAL_CANNULA_LOW_FLOW_MAX_L_MIN: Final = 6.0
NASAL_CANNULA_HIGH_FLOW_GRADE: Final = 3

OXYGEN_DEVICE_LABEL: Final[Mapping[str, str]] = MappingProxyType(
    {
        "room_air": "room air",
        "blow_by": "blow-by oxygen",
        "nasal_cannula": "nasal cannula",
        "high_flow_nasal_cannula": "high-flow nasal cannula",
        "face_mask": "face mask",
        "non_rebreather": "non-rebreather mask",
        "venturi": "Venturi mask",
        "cpap": "CPAP",
        "bipap": "BiPAP",
        "mechanical_ventilation": "mechanical ventilation",
    }
)

# Plausibility limits (institutional, not ASTCT): outside them the value is a typing or unit
# error (e.g. Fahrenheit), and grading it would mislead either way.
TEMPERATURE_PLAUSIBLE_RANGE_C: Final = (25.0, 45.0)
OXYGEN_FLOW_PLAUSIBLE_RANGE_L_MIN: Final = (0.0, 100.0)


# --- ICANS: thresholds (Lee et al., BBMT 2019;25:625; clinical reference §2) ----------------

# Children under 12 are assessed with CAPD instead of the ICE score.
ICE_MIN_AGE_YEARS: Final = 12
ICE_SCORE_RANGE: Final = (0, 10)
CAPD_SCORE_RANGE: Final = (0, 32)

# (lowest score, highest score, grade). ICE 0 in a patient who is awake (global aphasia) is
# grade 3; ICE 0 because unarousable is grade 4, which the consciousness domain supplies.
ICE_GRADE_BANDS: Final = (
    (10, 10, 0),
    (7, 9, 1),
    (3, 6, 2),
    (0, 2, 3),
)
# CAPD 1-8 is "grade 1 or 2", told apart by level of consciousness: the CAPD domain gives 1 and
# the consciousness domain lifts it to 2 when the child only awakens to voice. "Unable to
# perform" CAPD (grade 4) is the unarousable child, again supplied by consciousness.
CAPD_GRADE_BANDS: Final = (
    (0, 0, 0),
    (1, 8, 1),
    (9, 32, 3),
)

# Depressed level of consciousness, with no other cause such as sedation.
CONSCIOUSNESS_GRADE: Final[Mapping[str, int]] = MappingProxyType(
    {
        "alert": 0,
        "awakens_spontaneously": 1,
        "awakens_to_voice": 2,
        "awakens_to_touch": 3,
        # Also needing vigorous or repetitive tactile stimuli to arouse; stupor; coma.
        "unarousable": 4,
    }
)
SEIZURE_GRADE: Final[Mapping[str, int]] = MappingProxyType(
    {
        "none": 0,
        # Any clinical seizure that resolves rapidly, or non-convulsive EEG seizures that resolve
        # with intervention.
        "resolved_rapidly": 3,
        # Life-threatening prolonged seizure (> 5 min), or repetitive clinical or electrical
        # seizures without return to baseline in between.
        "prolonged_or_repetitive": 4,
    }
)
MOTOR_WEAKNESS_GRADE: Final[Mapping[str, int]] = MappingProxyType(
    {
        "none": 0,
        # Deep focal motor weakness such as hemiparesis or paraparesis. Tremor and myoclonus are
        # not ICANS (graded by CTCAE), so there is no code for them here.
        "deep_focal": 4,
    }
)
CEREBRAL_EDEMA_GRADE: Final[Mapping[str, int]] = MappingProxyType(
    {
        "none": 0,
        # Focal or local oedema on neuroimaging.
        "focal": 3,
        # Diffuse oedema on imaging; also record decerebrate or decorticate posturing, cranial
        # nerve VI palsy, papilloedema or Cushing's triad as "diffuse" (all grade 4).
        "diffuse": 4,
    }
)

CONSCIOUSNESS_LABEL: Final[Mapping[str, str]] = MappingProxyType(
    {
        "alert": "alert",
        "awakens_spontaneously": "awakens spontaneously",
        "awakens_to_voice": "awakens to voice",
        "awakens_to_touch": "awakens only to touch",
        "unarousable": "unarousable",
    }
)
SEIZURE_LABEL: Final[Mapping[str, str]] = MappingProxyType(
    {
        "resolved_rapidly": "seizure that resolved rapidly",
        "prolonged_or_repetitive": "prolonged (> 5 min) or repetitive seizures",
    }
)
MOTOR_WEAKNESS_LABEL: Final[Mapping[str, str]] = MappingProxyType(
    {"deep_focal": "deep focal motor weakness (hemiparesis or paraparesis)"}
)
CEREBRAL_EDEMA_LABEL: Final[Mapping[str, str]] = MappingProxyType(
    {
        "focal": "focal cerebral oedema on imaging",
        "diffuse": "diffuse cerebral oedema or its signs",
    }
)

# Plausibility limit for age (institutional).
AGE_PLAUSIBLE_RANGE_YEARS: Final = (0.0, 130.0)


# --- CRS -----------------------------------------------------------------------------------


def grade_crs(
    *,
    temperature_c: float | None,
    fever_masked: bool,
    hypotension: bool,
    vasopressors: Sequence[str],
    oxygen_device: str,
    oxygen_flow_l_min: float | None,
) -> int:
    """ASTCT CRS grade 0-4. See grade_crs_with_reason for the arguments."""
    return grade_crs_with_reason(
        temperature_c=temperature_c,
        fever_masked=fever_masked,
        hypotension=hypotension,
        vasopressors=vasopressors,
        oxygen_device=oxygen_device,
        oxygen_flow_l_min=oxygen_flow_l_min,
    ).grade


def grade_crs_with_reason(
    *,
    temperature_c: float | None,
    fever_masked: bool,
    hypotension: bool,
    vasopressors: Sequence[str],
    oxygen_device: str,
    oxygen_flow_l_min: float | None,
) -> GradeResult:
    """ASTCT CRS grade 0-4 with the finding(s) that set it.

    temperature_c: highest temperature since the last assessment, or None if none was taken.
    fever_masked: antipyretic or anti-cytokine therapy (tocilizumab, steroids) was given after
        fever began; fever is then no longer required and hypotension and hypoxia set the grade.
    hypotension: hypotension attributed to CRS.
    vasopressors: names of the vasopressors running (see VASOPRESSORS); [] for none.
    oxygen_device: a key of OXYGEN_DEVICE_GRADE.
    oxygen_flow_l_min: oxygen flow; required for a nasal cannula, ignored for other devices.

    Raises ValueError, naming the field, for any value out of range or of the wrong type.
    """
    temperature = _optional_number(
        "temperature_c", temperature_c, TEMPERATURE_PLAUSIBLE_RANGE_C, unit="°C"
    )
    _require_bool("fever_masked", fever_masked)
    _require_bool("hypotension", hypotension)
    drugs = _vasopressor_names(vasopressors)
    device = _require_code("oxygen_device", oxygen_device, OXYGEN_DEVICE_GRADE)
    flow = _oxygen_flow(device, oxygen_flow_l_min)

    hypotension_grade, hypotension_finding = _hypotension_grade(hypotension, drugs)
    hypoxia_grade, hypoxia_finding = _hypoxia_grade(device, flow)
    febrile = temperature is not None and temperature >= FEVER_MIN_C

    # ASTCT: no fever, no CRS, however low the blood pressure or oxygen saturation (another
    # cause must be sought), unless treatment has masked the fever.
    if not febrile and not fever_masked:
        if temperature is None:
            reason = "no temperature recorded and fever not masked by treatment: no CRS"
        else:
            reason = (
                f"highest temperature {_celsius(temperature)}, below {_celsius(FEVER_MIN_C)}, "
                "and fever not masked by treatment: no CRS"
            )
        if hypotension_grade or hypoxia_grade:
            reason += " (hypotension or hypoxia without fever is not graded as CRS)"
        return GradeResult(0, (reason,))

    if febrile:
        prefix = f"fever {_celsius(temperature)}"
        fever_grade = CRS_FEVER_ONLY_GRADE
    else:
        # Masked fever does not itself count as grade 1: fever_masked stays true for the rest
        # of the episode, so counting it would keep a recovered patient at grade 1 for good.
        # ASTCT grades masked CRS by hypotension and hypoxia alone.
        prefix = "fever masked by antipyretic or anti-cytokine therapy"
        fever_grade = 0

    grade = max(fever_grade, hypotension_grade, hypoxia_grade)
    if grade == 0:
        return GradeResult(0, (f"{prefix}, with no hypotension or hypoxia",))
    if grade == fever_grade:
        return GradeResult(grade, (f"{prefix} without hypotension or hypoxia",))
    reasons = tuple(
        f"{prefix} with {finding}"
        for finding_grade, finding in (
            (hypotension_grade, hypotension_finding),
            (hypoxia_grade, hypoxia_finding),
        )
        if finding_grade == grade
    )
    return GradeResult(grade, reasons)


def _celsius(temperature: float) -> str:
    # One decimal as charted, two when needed: 37.99 °C must not read as "38.0 °C, below 38.0".
    text = f"{temperature:.2f}".rstrip("0")
    return f"{text}0 °C" if text.endswith(".") else f"{text} °C"


def _hypotension_grade(hypotension: bool, drugs: tuple[str, ...]) -> tuple[int, str]:
    # A vasopressor that is running counts even when `hypotension` is False: the drug is what
    # keeps the pressure up, and ASTCT grades on "requiring" vasopressors. Otherwise the grade
    # would fall the moment treatment worked.
    counted = [drug for drug in drugs if drug != VASOPRESSOR_NOT_COUNTED]
    with_vasopressin = VASOPRESSOR_NOT_COUNTED in drugs
    plus_vasopressin = " with vasopressin" if with_vasopressin else ""
    if len(counted) >= 2:
        names = ", ".join(counted)
        return (
            HYPOTENSION_GRADE["multiple_vasopressors"],
            f"multiple vasopressors ({names}){plus_vasopressin}",
        )
    if len(counted) == 1:
        return (
            HYPOTENSION_GRADE["one_vasopressor"],
            f"one vasopressor ({counted[0]}){plus_vasopressin}",
        )
    if with_vasopressin:
        return HYPOTENSION_GRADE["one_vasopressor"], "vasopressin alone (one vasopressor)"
    if hypotension:
        return HYPOTENSION_GRADE["without_vasopressor"], "hypotension not requiring vasopressors"
    return HYPOTENSION_GRADE["none"], ""


def _hypoxia_grade(device: str, flow_l_min: float | None) -> tuple[int, str]:
    label = OXYGEN_DEVICE_LABEL[device]
    if device == "nasal_cannula":
        assert flow_l_min is not None  # _oxygen_flow requires it
        if flow_l_min > NASAL_CANNULA_LOW_FLOW_MAX_L_MIN:
            return (
                NASAL_CANNULA_HIGH_FLOW_GRADE,
                f"{label} {flow_l_min:g} L/min (> {NASAL_CANNULA_LOW_FLOW_MAX_L_MIN:g} L/min)",
            )
        return (
            OXYGEN_DEVICE_GRADE[device],
            f"{label} {flow_l_min:g} L/min (≤ {NASAL_CANNULA_LOW_FLOW_MAX_L_MIN:g} L/min)",
        )
    return OXYGEN_DEVICE_GRADE[device], label


def _vasopressor_names(value: object) -> tuple[str, ...]:
    # A bare string would be read letter by letter, so only a list or tuple is accepted.
    if not isinstance(value, list | tuple):
        raise ValueError(f"vasopressors must be a list of drug names ([] for none), got {value!r}")
    names: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"vasopressors must contain drug names, got {item!r}")
        name = item.strip().lower().replace(" ", "_").replace("-", "_")
        name = VASOPRESSOR_ALIASES.get(name, name)
        if name not in VASOPRESSORS:
            known = ", ".join(sorted(VASOPRESSORS))
            raise ValueError(f"vasopressors: unknown vasopressor {item!r} (known: {known})")
        # The same drug listed twice (two lines, two pumps) is still one vasopressor.
        if name not in names:
            names.append(name)
    return tuple(names)


def _oxygen_flow(device: str, value: object) -> float | None:
    flow = _optional_number(
        "oxygen_flow_l_min", value, OXYGEN_FLOW_PLAUSIBLE_RANGE_L_MIN, unit="L/min"
    )
    if device == "nasal_cannula" and (flow is None or flow == 0):
        # ASTCT splits nasal cannula by flow, so without it the grade could be 2 or 3.
        raise ValueError(
            "oxygen_flow_l_min is required above 0 for nasal_cannula "
            "(record room_air when no oxygen is given)"
        )
    if device == "room_air" and flow:
        raise ValueError(f"oxygen_flow_l_min must be empty or 0 on room_air, got {value!r}")
    return flow


# --- ICANS ---------------------------------------------------------------------------------


def required_ice_for_age(age_years: float) -> str:
    """Which encephalopathy tool applies: "ice" from age 12, "capd" for children under 12."""
    age = _require_number("age_years", age_years, AGE_PLAUSIBLE_RANGE_YEARS, unit="years")
    return "ice" if age >= ICE_MIN_AGE_YEARS else "capd"


def grade_icans(
    *,
    age_years: float,
    ice_score: int | None,
    capd_score: int | None,
    consciousness: str,
    seizure: str,
    motor_weakness: str,
    cerebral_edema: str,
) -> int:
    """ASTCT ICANS grade 0-4. See grade_icans_with_reason for the arguments."""
    return grade_icans_with_reason(
        age_years=age_years,
        ice_score=ice_score,
        capd_score=capd_score,
        consciousness=consciousness,
        seizure=seizure,
        motor_weakness=motor_weakness,
        cerebral_edema=cerebral_edema,
    ).grade


def grade_icans_with_reason(
    *,
    age_years: float,
    ice_score: int | None,
    capd_score: int | None,
    consciousness: str,
    seizure: str,
    motor_weakness: str,
    cerebral_edema: str,
) -> GradeResult:
    """ASTCT ICANS grade 0-4 with the finding(s) that set it; the worst domain sets the grade.

    age_years: decides the tool: ICE score from 12, CAPD under 12 (required_ice_for_age).
    ice_score: ICE 0-10 (age >= 12 only). None means "unable to perform" and is accepted only
        when the patient is unarousable; an unarousable patient cannot score above 0.
    capd_score: CAPD 0-32 (age < 12 only). None likewise means "unable to perform" and is
        accepted only when the child is unarousable.
    consciousness, seizure, motor_weakness, cerebral_edema: keys of CONSCIOUSNESS_GRADE,
        SEIZURE_GRADE, MOTOR_WEAKNESS_GRADE and CEREBRAL_EDEMA_GRADE.

    Raises ValueError, naming the field, for any value out of range or of the wrong type, and
    for a score on the tool that does not fit the age.
    """
    tool = required_ice_for_age(age_years)
    ice = _optional_int("ice_score", ice_score, ICE_SCORE_RANGE)
    capd = _optional_int("capd_score", capd_score, CAPD_SCORE_RANGE)
    level = _require_code("consciousness", consciousness, CONSCIOUSNESS_GRADE)
    seizure_code = _require_code("seizure", seizure, SEIZURE_GRADE)
    motor_code = _require_code("motor_weakness", motor_weakness, MOTOR_WEAKNESS_GRADE)
    edema_code = _require_code("cerebral_edema", cerebral_edema, CEREBRAL_EDEMA_GRADE)
    unarousable = level == "unarousable"

    findings: list[tuple[int, str]] = []
    if tool == "ice":
        if capd is not None:
            raise ValueError("capd_score is for children under 12; record ice_score from age 12")
        if ice is None and not unarousable:
            raise ValueError("ice_score is required from age 12 unless the patient is unarousable")
        if ice is not None and ice > 0 and unarousable:
            raise ValueError(f"ice_score must be 0 for an unarousable patient, got {ice}")
        if ice is not None:
            findings.append(_band("ICE", ice, ICE_SCORE_RANGE[1], ICE_GRADE_BANDS))
    else:
        if ice is not None:
            raise ValueError("ice_score is for age 12 and over; record capd_score under 12")
        if capd is None and not unarousable:
            raise ValueError("capd_score is required under age 12 unless the child is unarousable")
        if capd is not None:
            findings.append(_band("CAPD", capd, CAPD_SCORE_RANGE[1], CAPD_GRADE_BANDS))

    tool_name = "ICE" if tool == "ice" else "CAPD"
    level_label = CONSCIOUSNESS_LABEL[level]
    if unarousable and (ice if tool == "ice" else capd) is None:
        level_label += f" ({tool_name} unable to be performed)"
    findings.append((CONSCIOUSNESS_GRADE[level], level_label))
    if seizure_code != "none":
        findings.append((SEIZURE_GRADE[seizure_code], SEIZURE_LABEL[seizure_code]))
    if motor_code != "none":
        findings.append((MOTOR_WEAKNESS_GRADE[motor_code], MOTOR_WEAKNESS_LABEL[motor_code]))
    if edema_code != "none":
        findings.append((CEREBRAL_EDEMA_GRADE[edema_code], CEREBRAL_EDEMA_LABEL[edema_code]))

    grade = max(finding_grade for finding_grade, _ in findings)
    if grade == 0:
        score = f"ICE {ice}/10" if tool == "ice" else f"CAPD {capd}"
        return GradeResult(0, (f"{score}, alert, with no other ICANS finding",))
    return GradeResult(grade, tuple(label for g, label in findings if g == grade))


def _band(
    tool_name: str, score: int, maximum: int, bands: tuple[tuple[int, int, int], ...]
) -> tuple[int, str]:
    for low, high, grade in bands:
        if low <= score <= high:
            span = str(low) if low == high else f"{low}–{high}"
            return grade, f"{tool_name} {score}/{maximum} ({span})"
    raise AssertionError(f"{tool_name} bands do not cover {score}")  # tables cover the range


# --- Validation ----------------------------------------------------------------------------


def _require_bool(field: str, value: object) -> None:
    # Strictly bool: 0/1 or "yes" from a form would hide a mapping bug.
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be True or False, got {value!r}")


def _require_code(field: str, value: object, table: Mapping[str, int]) -> str:
    if not isinstance(value, str) or value not in table:
        allowed = ", ".join(table)
        raise ValueError(f"{field}: unknown value {value!r} (allowed: {allowed})")
    return str(value)


def _require_number(field: str, value: object, bounds: tuple[float, float], *, unit: str) -> float:
    # bool is an int in Python; True as a temperature or an age is a bug, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{field} must be a number, got {value!r}")
    number = float(value)
    low, high = bounds
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{field} must be between {low:g} and {high:g} {unit}, got {value!r}")
    return number


def _optional_number(
    field: str, value: object, bounds: tuple[float, float], *, unit: str
) -> float | None:
    if value is None:
        return None
    return _require_number(field, value, bounds, unit=unit)


def _optional_int(field: str, value: object, bounds: tuple[int, int]) -> int | None:
    if value is None:
        return None
    # Scores are whole points: a float such as 7.5 or a bool is a bug upstream.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a whole number, got {value!r}")
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{field} must be between {low} and {high}, got {value}")
    return value
