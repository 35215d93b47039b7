"""ASTCT consensus grading of CRS and ICANS after CAR-T cell infusion.

Pure functions: plain values in, a grade 0-4 (and the findings that set it) out. Nothing here
imports Django or the project, so a clinician can read every threshold in one place and the
hospital can run its own validation cases against the exact functions the ward uses.

Source for every clinical table below: Lee DW et al., ASTCT consensus grading for cytokine
release syndrome and neurologic toxicity associated with immune effector cells.
Biol Blood Marrow Transplant 2019;25:625-638 (clinical reference §1 and §2; PMC8021214 table 1,
PMC8403007 table 4). Plausibility limits are institutional and say so.

Grade 5 (death from CRS or ICANS) is recorded with the death, not computed here.

The findings come back as codes with parameters (Finding); their English and Chinese wording is
in monitoring/texts.py, keyed by the code: "grade.crs.oxygen.<device>" for each key of
OXYGEN_DEVICE_GRADE, "grade.icans.<domain>.<value>" for the ICANS tables, "grade.drug.<name>"
for VASOPRESSORS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Final

__all__ = [
    "CAPD_GRADE_BANDS",
    "CONSCIOUSNESS_GRADE",
    "CEREBRAL_EDEMA_GRADE",
    "FEVER_MIN_C",
    "Finding",
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
class Finding:
    """A finding as a code with parameters, not prose, so that it can be said in the reader's
    language (issue 17). The wording of every code is in monitoring/texts.py; a parameter is a
    number, a string (a temperature or a flow as charted, "38.6") or another Finding (the fever
    inside "fever 38.6 °C with face mask")."""

    code: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def as_json(self) -> dict[str, object]:
        """The stored form, {"code": ..., "params": {...}}, as core.system_text reads it."""
        return {
            "code": self.code,
            "params": {
                k: v.as_json() if isinstance(v, Finding) else v for k, v in self.params.items()
            },
        }


def _finding(code: str, **params: object) -> Finding:
    return Finding(code, MappingProxyType(params))


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A grade 0-4 and the finding(s) that set it."""

    grade: int
    reasons: tuple[Finding, ...]


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
        # "... (hypotension or hypoxia without fever is not graded as CRS)" when either is there.
        unexplained = "_unexplained" if hypotension_grade or hypoxia_grade else ""
        if temperature is None:
            return GradeResult(0, (_finding(f"grade.crs.no_temperature{unexplained}"),))
        below = _finding(
            f"grade.crs.below_fever{unexplained}",
            temperature=_celsius(temperature),
            fever_min=_celsius(FEVER_MIN_C),
        )
        return GradeResult(0, (below,))

    if febrile:
        fever = _finding("grade.crs.fever", temperature=_celsius(temperature))
        fever_grade = CRS_FEVER_ONLY_GRADE
    else:
        # Masked fever does not itself count as grade 1: fever_masked stays true for the rest
        # of the episode, so counting it would keep a recovered patient at grade 1 for good.
        # ASTCT grades masked CRS by hypotension and hypoxia alone.
        fever = _finding("grade.crs.fever_masked")
        fever_grade = 0

    grade = max(fever_grade, hypotension_grade, hypoxia_grade)
    if grade == 0:
        return GradeResult(0, (_finding("grade.crs.fever_nothing_else", fever=fever),))
    if grade == fever_grade:
        return GradeResult(grade, (_finding("grade.crs.fever_only", fever=fever),))
    reasons = tuple(
        _finding("grade.crs.fever_with", fever=fever, finding=finding)
        for finding_grade, finding in (
            (hypotension_grade, hypotension_finding),
            (hypoxia_grade, hypoxia_finding),
        )
        if finding_grade == grade and finding is not None
    )
    return GradeResult(grade, reasons)


def _celsius(temperature: float) -> str:
    # One decimal as charted, two when needed: 37.99 °C must not read as "38.0 °C, below 38.0".
    # The unit is in the wording (monitoring/texts.py), the number is a parameter.
    text = f"{temperature:.2f}".rstrip("0")
    return f"{text}0" if text.endswith(".") else text


def _drug(name: str) -> Finding:
    return _finding(f"grade.drug.{name}")


def _drug_list(names: list[str]) -> Finding:
    # "norepinephrine, phenylephrine": each name said in the reader's language, and the list
    # separator too (Chinese uses "、"), so the list is a chain of "first, rest".
    if len(names) == 1:
        return _drug(names[0])
    return _finding("grade.list", first=_drug(names[0]), rest=_drug_list(names[1:]))


def _hypotension_grade(hypotension: bool, drugs: tuple[str, ...]) -> tuple[int, Finding | None]:
    # A vasopressor that is running counts even when `hypotension` is False: the drug is what
    # keeps the pressure up, and ASTCT grades on "requiring" vasopressors. Otherwise the grade
    # would fall the moment treatment worked.
    counted = [drug for drug in drugs if drug != VASOPRESSOR_NOT_COUNTED]
    plus = "_with_vasopressin" if VASOPRESSOR_NOT_COUNTED in drugs else ""
    if len(counted) >= 2:
        return (
            HYPOTENSION_GRADE["multiple_vasopressors"],
            _finding(f"grade.crs.multiple_vasopressors{plus}", drugs=_drug_list(counted)),
        )
    if len(counted) == 1:
        return (
            HYPOTENSION_GRADE["one_vasopressor"],
            _finding(f"grade.crs.one_vasopressor{plus}", drug=_drug(counted[0])),
        )
    if plus:
        return HYPOTENSION_GRADE["one_vasopressor"], _finding("grade.crs.vasopressin_alone")
    if hypotension:
        return HYPOTENSION_GRADE["without_vasopressor"], _finding("grade.crs.hypotension")
    return HYPOTENSION_GRADE["none"], None


def _hypoxia_grade(device: str, flow_l_min: float | None) -> tuple[int, Finding]:
    if device == "nasal_cannula":
        assert flow_l_min is not None  # _oxygen_flow requires it
        high = flow_l_min > NASAL_CANNULA_LOW_FLOW_MAX_L_MIN
        return (
            NASAL_CANNULA_HIGH_FLOW_GRADE if high else OXYGEN_DEVICE_GRADE[device],
            _finding(
                "grade.crs.nasal_cannula_above" if high else "grade.crs.nasal_cannula_up_to",
                flow=f"{flow_l_min:g}",
                limit=f"{NASAL_CANNULA_LOW_FLOW_MAX_L_MIN:g}",
            ),
        )
    return OXYGEN_DEVICE_GRADE[device], _finding(f"grade.crs.oxygen.{device}")


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

    findings: list[tuple[int, Finding]] = []
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
    if unarousable and (ice if tool == "ice" else capd) is None:
        level_finding = _finding("grade.icans.unarousable_not_scored", tool=tool_name)
    else:
        level_finding = _finding(f"grade.icans.consciousness.{level}")
    findings.append((CONSCIOUSNESS_GRADE[level], level_finding))
    for domain, code, table in (
        ("seizure", seizure_code, SEIZURE_GRADE),
        ("motor", motor_code, MOTOR_WEAKNESS_GRADE),
        ("edema", edema_code, CEREBRAL_EDEMA_GRADE),
    ):
        if code != "none":
            findings.append((table[code], _finding(f"grade.icans.{domain}.{code}")))

    grade = max(finding_grade for finding_grade, _ in findings)
    if grade == 0:
        if tool == "ice":
            return GradeResult(0, (_finding("grade.icans.nothing_ice", score=ice),))
        return GradeResult(0, (_finding("grade.icans.nothing_capd", score=capd),))
    return GradeResult(grade, tuple(finding for g, finding in findings if g == grade))


def _band(
    tool_name: str, score: int, maximum: int, bands: tuple[tuple[int, int, int], ...]
) -> tuple[int, Finding]:
    for low, high, grade in bands:
        if low <= score <= high:
            span = str(low) if low == high else f"{low}–{high}"
            return grade, _finding(
                "grade.icans.score", tool=tool_name, score=score, maximum=maximum, span=span
            )
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
