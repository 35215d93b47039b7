"""ASTCT CRS and ICANS grading (Lee et al., BBMT 2019;25:625), row by row.

Pure functions, so no database: every row of both consensus tables, the edge cases the ward asks
about, every invalid value, and a few hypothesis properties. The rules return findings as codes
(issue 17); the reasons are checked as the English they render to (monitoring/texts.py), which
is exactly the wording charted before.
"""

from __future__ import annotations

import ast
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import system_text
from monitoring import grading
from monitoring.grading import (
    CAPD_GRADE_BANDS,
    ICE_GRADE_BANDS,
    GradeResult,
    grade_crs,
    grade_crs_with_reason,
    grade_icans,
    grade_icans_with_reason,
    required_ice_for_age,
)

# --- Helpers -------------------------------------------------------------------------------

CRS_BASELINE = {
    "temperature_c": 37.0,
    "fever_masked": False,
    "hypotension": False,
    "vasopressors": [],
    "oxygen_device": "room_air",
    "oxygen_flow_l_min": None,
}

ADULT_BASELINE = {
    "age_years": 45,
    "ice_score": 10,
    "capd_score": None,
    "consciousness": "alert",
    "seizure": "none",
    "motor_weakness": "none",
    "cerebral_edema": "none",
}

CHILD_BASELINE = {
    **ADULT_BASELINE,
    "age_years": 6,
    "ice_score": None,
    "capd_score": 0,
}


def crs(**changes: object) -> dict[str, object]:
    return {**CRS_BASELINE, **changes}


def adult(**changes: object) -> dict[str, object]:
    return {**ADULT_BASELINE, **changes}


def child(**changes: object) -> dict[str, object]:
    return {**CHILD_BASELINE, **changes}


def febrile(**changes: object) -> dict[str, object]:
    return crs(temperature_c=38.6, **changes)


def english(result: GradeResult) -> tuple[str, ...]:
    """The reasons as the chart reads them in English."""
    return tuple(system_text.english(finding.as_json()) for finding in result.reasons)


# --- CRS: every row of the ASTCT table -----------------------------------------------------

CRS_TABLE = [
    # Grade 1: fever alone.
    pytest.param(febrile(), 1, id="g1-fever-alone"),
    pytest.param(crs(temperature_c=38.0), 1, id="g1-fever-exactly-38.0"),
    pytest.param(crs(temperature_c=41.2), 1, id="g1-high-fever-still-1"),
    # Grade 2: hypotension not requiring vasopressors.
    pytest.param(febrile(hypotension=True), 2, id="g2-hypotension-no-vasopressor"),
    # Grade 2: low-flow nasal cannula <= 6 L/min, or blow-by.
    pytest.param(
        febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=1), 2, id="g2-nc-1-l-min"
    ),
    pytest.param(
        febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=4.0), 2, id="g2-nc-4-l-min"
    ),
    pytest.param(
        febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=6), 2, id="g2-nc-exactly-6"
    ),
    pytest.param(
        febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=6.0), 2, id="g2-nc-6.0-float"
    ),
    pytest.param(febrile(oxygen_device="blow_by"), 2, id="g2-blow-by"),
    pytest.param(
        febrile(oxygen_device="blow_by", oxygen_flow_l_min=10), 2, id="g2-blow-by-any-flow"
    ),
    # Grade 3: one vasopressor with or without vasopressin.
    pytest.param(
        febrile(hypotension=True, vasopressors=["norepinephrine"]), 3, id="g3-norepinephrine"
    ),
    pytest.param(febrile(hypotension=True, vasopressors=["epinephrine"]), 3, id="g3-epinephrine"),
    pytest.param(
        febrile(hypotension=True, vasopressors=["phenylephrine"]), 3, id="g3-phenylephrine"
    ),
    pytest.param(febrile(hypotension=True, vasopressors=["dopamine"]), 3, id="g3-dopamine"),
    pytest.param(
        febrile(hypotension=True, vasopressors=["vasopressin"]), 3, id="g3-vasopressin-alone"
    ),
    pytest.param(
        febrile(hypotension=True, vasopressors=["norepinephrine", "vasopressin"]),
        3,
        id="g3-norepinephrine-plus-vasopressin",
    ),
    pytest.param(
        febrile(hypotension=True, vasopressors=["vasopressin", "phenylephrine"]),
        3,
        id="g3-vasopressin-plus-phenylephrine",
    ),
    # Grade 3: nasal cannula > 6 L/min, high-flow nasal cannula, face mask, non-rebreather,
    # Venturi (masks whatever the flow).
    pytest.param(febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=6.1), 3, id="g3-nc-6.1"),
    pytest.param(febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=10), 3, id="g3-nc-10"),
    pytest.param(
        febrile(oxygen_device="high_flow_nasal_cannula", oxygen_flow_l_min=40),
        3,
        id="g3-hfnc-40",
    ),
    pytest.param(febrile(oxygen_device="high_flow_nasal_cannula"), 3, id="g3-hfnc-no-flow"),
    pytest.param(
        febrile(oxygen_device="face_mask", oxygen_flow_l_min=2), 3, id="g3-face-mask-2-l-min"
    ),
    pytest.param(febrile(oxygen_device="face_mask"), 3, id="g3-face-mask-no-flow"),
    pytest.param(
        febrile(oxygen_device="non_rebreather", oxygen_flow_l_min=15), 3, id="g3-non-rebreather"
    ),
    pytest.param(febrile(oxygen_device="venturi", oxygen_flow_l_min=4), 3, id="g3-venturi-4-l-min"),
    # Grade 4: multiple vasopressors (vasopressin not counted).
    pytest.param(
        febrile(hypotension=True, vasopressors=["norepinephrine", "phenylephrine"]),
        4,
        id="g4-norepinephrine-plus-phenylephrine",
    ),
    pytest.param(
        febrile(hypotension=True, vasopressors=["norepinephrine", "epinephrine", "vasopressin"]),
        4,
        id="g4-two-plus-vasopressin",
    ),
    # Grade 4: positive pressure.
    pytest.param(febrile(oxygen_device="cpap"), 4, id="g4-cpap"),
    pytest.param(febrile(oxygen_device="bipap"), 4, id="g4-bipap"),
    pytest.param(
        febrile(oxygen_device="mechanical_ventilation", oxygen_flow_l_min=12),
        4,
        id="g4-mechanical-ventilation",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), CRS_TABLE)
def test_crs_table_row(kwargs: dict[str, object], expected: int) -> None:
    assert grade_crs(**kwargs) == expected
    assert grade_crs_with_reason(**kwargs).grade == expected


# --- CRS: the worse of hypotension and hypoxia sets the grade ------------------------------

CRS_WORSE_OF = [
    pytest.param(
        febrile(
            hypotension=True,
            vasopressors=["norepinephrine"],
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=2,
        ),
        3,
        id="one-vasopressor-plus-low-flow-is-3",
    ),
    pytest.param(
        febrile(hypotension=True, oxygen_device="non_rebreather"),
        3,
        id="hypotension-no-pressor-plus-non-rebreather-is-3",
    ),
    pytest.param(febrile(hypotension=True, oxygen_device="blow_by"), 2, id="both-grade-2-stays-2"),
    pytest.param(
        febrile(hypotension=True, vasopressors=["norepinephrine"], oxygen_device="bipap"),
        4,
        id="one-vasopressor-plus-bipap-is-4",
    ),
    pytest.param(
        febrile(
            hypotension=True,
            vasopressors=["norepinephrine", "phenylephrine"],
            oxygen_device="nasal_cannula",
            oxygen_flow_l_min=3,
        ),
        4,
        id="two-vasopressors-plus-low-flow-is-4",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), CRS_WORSE_OF)
def test_crs_worse_of_hypotension_and_hypoxia(kwargs: dict[str, object], expected: int) -> None:
    assert grade_crs(**kwargs) == expected


# --- CRS: fever and masking ----------------------------------------------------------------

CRS_FEVER = [
    pytest.param(crs(temperature_c=37.99), 0, id="37.99-is-no-fever"),
    pytest.param(crs(temperature_c=None), 0, id="no-temperature-is-no-crs"),
    pytest.param(
        crs(temperature_c=37.5, oxygen_device="non_rebreather"), 0, id="hypoxia-without-fever"
    ),
    pytest.param(
        crs(temperature_c=None, oxygen_device="mechanical_ventilation"),
        0,
        id="ventilated-without-fever",
    ),
    pytest.param(
        crs(temperature_c=36.8, hypotension=True, vasopressors=["norepinephrine", "epinephrine"]),
        0,
        id="shock-without-fever",
    ),
    pytest.param(
        crs(temperature_c=37.0, fever_masked=True, hypotension=True),
        2,
        id="masked-by-tocilizumab-hypotension-is-2",
    ),
    pytest.param(
        crs(temperature_c=None, fever_masked=True, vasopressors=["norepinephrine"]),
        3,
        id="masked-no-temperature-one-vasopressor-is-3",
    ),
    pytest.param(
        crs(fever_masked=True, oxygen_device="nasal_cannula", oxygen_flow_l_min=4),
        2,
        id="masked-low-flow-is-2",
    ),
    pytest.param(crs(fever_masked=True, oxygen_device="cpap"), 4, id="masked-cpap-is-4"),
    pytest.param(crs(fever_masked=True), 0, id="masked-nothing-else-is-0"),
    pytest.param(crs(temperature_c=39.0, fever_masked=True), 1, id="fever-despite-masking-is-1"),
    pytest.param(
        crs(temperature_c=38.1, vasopressors=["norepinephrine"]),
        3,
        id="vasopressor-counts-with-hypotension-false",
    ),
    pytest.param(
        crs(temperature_c=38.1, vasopressors=["vasopressin"]),
        3,
        id="vasopressin-counts-with-hypotension-false",
    ),
    pytest.param(crs(temperature_c=38), 1, id="integer-temperature"),
    pytest.param(crs(temperature_c=Decimal("38.2")), 1, id="decimal-temperature"),
    pytest.param(crs(temperature_c=25.0), 0, id="lowest-plausible-temperature"),
    pytest.param(crs(temperature_c=45.0), 1, id="highest-plausible-temperature"),
]


@pytest.mark.parametrize(("kwargs", "expected"), CRS_FEVER)
def test_crs_fever_and_masking(kwargs: dict[str, object], expected: int) -> None:
    assert grade_crs(**kwargs) == expected


# --- CRS: how vasopressor names are read ---------------------------------------------------

CRS_VASOPRESSOR_NAMES = [
    pytest.param(["norepinephrine", "norepinephrine"], 3, id="same-drug-twice-is-one"),
    pytest.param(["Norepinephrine "], 3, id="case-and-spaces"),
    pytest.param(["noradrenaline"], 3, id="alias-noradrenaline"),
    pytest.param(["noradrenaline", "norepinephrine"], 3, id="alias-and-name-same-drug"),
    pytest.param(["noradrenaline", "adrenaline"], 4, id="aliases-two-drugs"),
    pytest.param(["angiotensin II"], 3, id="angiotensin-ii"),
    pytest.param(["metaraminol", "vasopressin"], 3, id="metaraminol-plus-vasopressin"),
    pytest.param(("norepinephrine", "dopamine"), 4, id="tuple-accepted"),
    pytest.param([], 2, id="empty-list-hypotension-only"),
]


@pytest.mark.parametrize(("vasopressors", "expected"), CRS_VASOPRESSOR_NAMES)
def test_crs_vasopressor_names(vasopressors: list[str], expected: int) -> None:
    assert grade_crs(**febrile(hypotension=True, vasopressors=vasopressors)) == expected


# --- CRS: reasons --------------------------------------------------------------------------

CRS_REASONS = [
    pytest.param(
        febrile(hypotension=True, vasopressors=["norepinephrine"]),
        ("fever 38.6 °C with one vasopressor (norepinephrine)",),
        id="one-vasopressor",
    ),
    pytest.param(
        febrile(vasopressors=["norepinephrine", "vasopressin"]),
        ("fever 38.6 °C with one vasopressor (norepinephrine) with vasopressin",),
        id="one-vasopressor-with-vasopressin",
    ),
    pytest.param(
        febrile(vasopressors=["vasopressin"]),
        ("fever 38.6 °C with vasopressin alone (one vasopressor)",),
        id="vasopressin-alone",
    ),
    pytest.param(
        febrile(vasopressors=["norepinephrine", "phenylephrine", "vasopressin"]),
        (
            "fever 38.6 °C with multiple vasopressors (norepinephrine, phenylephrine) "
            "with vasopressin",
        ),
        id="multiple-vasopressors",
    ),
    pytest.param(
        crs(temperature_c=38.0),
        ("fever 38.0 °C without hypotension or hypoxia",),
        id="fever-alone",
    ),
    pytest.param(
        febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=6),
        ("fever 38.6 °C with nasal cannula 6 L/min (≤ 6 L/min)",),
        id="nasal-cannula-6",
    ),
    pytest.param(
        febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=6.1),
        ("fever 38.6 °C with nasal cannula 6.1 L/min (> 6 L/min)",),
        id="nasal-cannula-6.1",
    ),
    pytest.param(
        febrile(vasopressors=["norepinephrine"], oxygen_device="face_mask"),
        (
            "fever 38.6 °C with one vasopressor (norepinephrine)",
            "fever 38.6 °C with face mask",
        ),
        id="both-domains-at-grade-3",
    ),
    pytest.param(
        febrile(vasopressors=["norepinephrine"], oxygen_device="mechanical_ventilation"),
        ("fever 38.6 °C with mechanical ventilation",),
        id="only-the-worse-domain-named",
    ),
    pytest.param(
        crs(fever_masked=True, hypotension=True),
        (
            "fever masked by antipyretic or anti-cytokine therapy with hypotension not "
            "requiring vasopressors",
        ),
        id="masked-hypotension",
    ),
    pytest.param(
        crs(fever_masked=True),
        ("fever masked by antipyretic or anti-cytokine therapy, with no hypotension or hypoxia",),
        id="masked-nothing",
    ),
    pytest.param(
        crs(temperature_c=37.2),
        ("highest temperature 37.2 °C, below 38.0 °C, and fever not masked by treatment: no CRS",),
        id="no-fever",
    ),
    pytest.param(
        crs(temperature_c=37.99),
        ("highest temperature 37.99 °C, below 38.0 °C, and fever not masked by treatment: no CRS",),
        id="just-below-fever-not-rounded-up",
    ),
    pytest.param(
        crs(temperature_c=38),
        ("fever 38.0 °C without hypotension or hypoxia",),
        id="integer-temperature",
    ),
    pytest.param(
        crs(temperature_c=None),
        ("no temperature recorded and fever not masked by treatment: no CRS",),
        id="no-temperature",
    ),
]


@pytest.mark.parametrize(("kwargs", "reasons"), CRS_REASONS)
def test_crs_reasons(kwargs: dict[str, object], reasons: tuple[str, ...]) -> None:
    assert english(grade_crs_with_reason(**kwargs)) == reasons


def test_crs_reason_says_hypoxia_without_fever_is_not_crs() -> None:
    result = grade_crs_with_reason(**crs(temperature_c=37.0, oxygen_device="non_rebreather"))
    assert result.grade == 0
    assert "without fever is not graded as CRS" in english(result)[0]


# --- CRS: invalid values -------------------------------------------------------------------

CRS_INVALID = [
    pytest.param(crs(temperature_c="38.5"), "temperature_c", id="temperature-string"),
    pytest.param(crs(temperature_c=True), "temperature_c", id="temperature-bool"),
    pytest.param(crs(temperature_c=24.9), "temperature_c", id="temperature-too-low"),
    pytest.param(crs(temperature_c=45.1), "temperature_c", id="temperature-too-high"),
    pytest.param(crs(temperature_c=101.3), "temperature_c", id="temperature-fahrenheit"),
    pytest.param(crs(temperature_c=float("nan")), "temperature_c", id="temperature-nan"),
    pytest.param(crs(temperature_c=float("inf")), "temperature_c", id="temperature-inf"),
    pytest.param(crs(fever_masked=None), "fever_masked", id="masked-none"),
    pytest.param(crs(fever_masked=1), "fever_masked", id="masked-int"),
    pytest.param(crs(fever_masked="yes"), "fever_masked", id="masked-string"),
    pytest.param(crs(hypotension=None), "hypotension", id="hypotension-none"),
    pytest.param(crs(hypotension=0), "hypotension", id="hypotension-int"),
    pytest.param(crs(hypotension="false"), "hypotension", id="hypotension-string"),
    pytest.param(crs(vasopressors="norepinephrine"), "vasopressors", id="pressors-bare-string"),
    pytest.param(crs(vasopressors=None), "vasopressors", id="pressors-none"),
    pytest.param(crs(vasopressors={"norepinephrine"}), "vasopressors", id="pressors-set"),
    pytest.param(crs(vasopressors=[1]), "vasopressors", id="pressors-not-string"),
    pytest.param(crs(vasopressors=[None]), "vasopressors", id="pressors-none-item"),
    pytest.param(crs(vasopressors=["dobutamine"]), "vasopressors", id="pressors-inotrope"),
    pytest.param(crs(vasopressors=["levophed2"]), "vasopressors", id="pressors-unknown"),
    pytest.param(crs(vasopressors=[""]), "vasopressors", id="pressors-empty-name"),
    pytest.param(crs(oxygen_device="oxygen"), "oxygen_device", id="device-unknown"),
    pytest.param(crs(oxygen_device="Room Air"), "oxygen_device", id="device-not-a-code"),
    pytest.param(crs(oxygen_device=None), "oxygen_device", id="device-none"),
    pytest.param(crs(oxygen_device=3), "oxygen_device", id="device-int"),
    pytest.param(crs(oxygen_device=["cpap"]), "oxygen_device", id="device-list"),
    pytest.param(
        crs(oxygen_device="face_mask", oxygen_flow_l_min=-1),
        "oxygen_flow_l_min",
        id="flow-negative",
    ),
    pytest.param(
        crs(oxygen_device="face_mask", oxygen_flow_l_min=-0.1),
        "oxygen_flow_l_min",
        id="flow-slightly-negative",
    ),
    pytest.param(
        crs(oxygen_device="face_mask", oxygen_flow_l_min=100.5),
        "oxygen_flow_l_min",
        id="flow-implausible",
    ),
    pytest.param(
        crs(oxygen_device="nasal_cannula", oxygen_flow_l_min="4"),
        "oxygen_flow_l_min",
        id="flow-string",
    ),
    pytest.param(
        crs(oxygen_device="nasal_cannula", oxygen_flow_l_min=True),
        "oxygen_flow_l_min",
        id="flow-bool",
    ),
    pytest.param(
        crs(oxygen_device="nasal_cannula", oxygen_flow_l_min=float("nan")),
        "oxygen_flow_l_min",
        id="flow-nan",
    ),
    pytest.param(
        crs(oxygen_device="nasal_cannula", oxygen_flow_l_min=None),
        "oxygen_flow_l_min",
        id="flow-missing-on-nasal-cannula",
    ),
    pytest.param(
        crs(oxygen_device="nasal_cannula", oxygen_flow_l_min=0),
        "oxygen_flow_l_min",
        id="flow-zero-on-nasal-cannula",
    ),
    pytest.param(
        crs(oxygen_device="room_air", oxygen_flow_l_min=2),
        "oxygen_flow_l_min",
        id="flow-on-room-air",
    ),
]


@pytest.mark.parametrize(("kwargs", "field"), CRS_INVALID)
def test_crs_invalid_value_raises_naming_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        grade_crs(**kwargs)
    with pytest.raises(ValueError, match=field):
        grade_crs_with_reason(**kwargs)


def test_crs_invalid_value_raises_even_without_fever() -> None:
    # Validation runs before the "no fever, no CRS" shortcut.
    with pytest.raises(ValueError, match="oxygen_device"):
        grade_crs(**crs(temperature_c=None, oxygen_device="tent"))


@pytest.mark.parametrize("flow", [0, 0.0, None], ids=["int-0", "float-0", "none"])
def test_crs_room_air_accepts_no_flow(flow: float | None) -> None:
    assert grade_crs(**febrile(oxygen_device="room_air", oxygen_flow_l_min=flow)) == 1


# --- ICANS: adults and children 12 and over (ICE) ------------------------------------------

ICE_EXPECTED = {10: 0, 9: 1, 8: 1, 7: 1, 6: 2, 5: 2, 4: 2, 3: 2, 2: 3, 1: 3, 0: 3}


@pytest.mark.parametrize(("ice", "expected"), sorted(ICE_EXPECTED.items()))
def test_icans_every_ice_score(ice: int, expected: int) -> None:
    assert grade_icans(**adult(ice_score=ice)) == expected


ICANS_ADULT_TABLE = [
    pytest.param(adult(), 0, id="ice-10-nothing-else-is-0"),
    # Depressed level of consciousness.
    pytest.param(adult(consciousness="awakens_spontaneously"), 1, id="g1-awakens-spontaneously"),
    pytest.param(adult(consciousness="awakens_to_voice"), 2, id="g2-awakens-to-voice"),
    pytest.param(adult(consciousness="awakens_to_touch"), 3, id="g3-awakens-to-touch"),
    pytest.param(
        adult(ice_score=0, consciousness="unarousable"), 4, id="g4-ice-0-because-unarousable"
    ),
    pytest.param(
        adult(ice_score=None, consciousness="unarousable"), 4, id="g4-unarousable-ice-not-done"
    ),
    pytest.param(adult(ice_score=0), 3, id="g3-ice-0-awake-global-aphasia"),
    # Seizure.
    pytest.param(adult(seizure="resolved_rapidly"), 3, id="g3-seizure-resolved-rapidly"),
    pytest.param(adult(seizure="prolonged_or_repetitive"), 4, id="g4-seizure-prolonged"),
    # Motor findings.
    pytest.param(adult(motor_weakness="deep_focal"), 4, id="g4-deep-focal-weakness"),
    # Raised ICP / cerebral oedema.
    pytest.param(adult(cerebral_edema="focal"), 3, id="g3-focal-oedema"),
    pytest.param(adult(cerebral_edema="diffuse"), 4, id="g4-diffuse-oedema"),
    # The worst domain sets the grade.
    pytest.param(adult(ice_score=8, consciousness="awakens_to_voice"), 2, id="ice-8-voice-is-2"),
    pytest.param(adult(ice_score=8, consciousness="awakens_to_touch"), 3, id="ice-8-touch-is-3"),
    pytest.param(
        adult(ice_score=2, consciousness="awakens_spontaneously"), 3, id="ice-2-spontaneous-is-3"
    ),
    pytest.param(adult(ice_score=5, seizure="prolonged_or_repetitive"), 4, id="ice-5-status-is-4"),
    pytest.param(adult(ice_score=9, cerebral_edema="focal"), 3, id="ice-9-focal-oedema-is-3"),
    pytest.param(
        adult(ice_score=1, seizure="resolved_rapidly", cerebral_edema="focal"),
        3,
        id="three-grade-3-domains-is-3",
    ),
    pytest.param(
        adult(
            ice_score=0,
            consciousness="unarousable",
            seizure="prolonged_or_repetitive",
            motor_weakness="deep_focal",
            cerebral_edema="diffuse",
        ),
        4,
        id="everything-is-4",
    ),
    # Age boundary: ICE applies from the 12th birthday.
    pytest.param(adult(age_years=12, ice_score=6), 2, id="age-12-uses-ice"),
    pytest.param(adult(age_years=12.0, ice_score=10), 0, id="age-12.0-uses-ice"),
    pytest.param(adult(age_years=130, ice_score=7), 1, id="oldest-plausible-age"),
    pytest.param(adult(age_years=Decimal("70.5"), ice_score=7), 1, id="decimal-age"),
]


@pytest.mark.parametrize(("kwargs", "expected"), ICANS_ADULT_TABLE)
def test_icans_adult_table_row(kwargs: dict[str, object], expected: int) -> None:
    assert grade_icans(**kwargs) == expected
    assert grade_icans_with_reason(**kwargs).grade == expected


# --- ICANS: children under 12 (CAPD) -------------------------------------------------------

ICANS_CHILD_TABLE = [
    pytest.param(child(capd_score=0), 0, id="capd-0-is-0"),
    pytest.param(child(capd_score=1), 1, id="g1-capd-1-alert"),
    pytest.param(child(capd_score=8), 1, id="g1-capd-8-alert"),
    pytest.param(
        child(capd_score=4, consciousness="awakens_spontaneously"),
        1,
        id="g1-capd-4-awakens-spontaneously",
    ),
    pytest.param(
        child(capd_score=8, consciousness="awakens_spontaneously"),
        1,
        id="g1-capd-8-awakens-spontaneously",
    ),
    pytest.param(
        child(capd_score=1, consciousness="awakens_to_voice"), 2, id="g2-capd-1-awakens-to-voice"
    ),
    pytest.param(
        child(capd_score=8, consciousness="awakens_to_voice"), 2, id="g2-capd-8-awakens-to-voice"
    ),
    pytest.param(child(capd_score=9), 3, id="g3-capd-9"),
    pytest.param(child(capd_score=20), 3, id="g3-capd-20"),
    pytest.param(child(capd_score=32), 3, id="g3-capd-32"),
    pytest.param(child(capd_score=5, consciousness="awakens_to_touch"), 3, id="g3-capd-5-touch"),
    pytest.param(
        child(capd_score=None, consciousness="unarousable"),
        4,
        id="g4-capd-unable-to-perform-unarousable",
    ),
    pytest.param(child(capd_score=24, consciousness="unarousable"), 4, id="g4-capd-24-unarousable"),
    pytest.param(child(seizure="resolved_rapidly"), 3, id="g3-child-seizure"),
    pytest.param(child(seizure="prolonged_or_repetitive"), 4, id="g4-child-status"),
    pytest.param(child(capd_score=3, motor_weakness="deep_focal"), 4, id="g4-child-weakness"),
    pytest.param(child(cerebral_edema="focal"), 3, id="g3-child-focal-oedema"),
    pytest.param(child(capd_score=3, cerebral_edema="diffuse"), 4, id="g4-child-diffuse"),
    pytest.param(child(age_years=0, capd_score=4), 1, id="infant-age-0"),
    pytest.param(child(age_years=11.99, capd_score=9), 3, id="age-11.99-uses-capd"),
]


@pytest.mark.parametrize(("kwargs", "expected"), ICANS_CHILD_TABLE)
def test_icans_child_table_row(kwargs: dict[str, object], expected: int) -> None:
    assert grade_icans(**kwargs) == expected
    assert grade_icans_with_reason(**kwargs).grade == expected


@pytest.mark.parametrize(
    ("age_years", "tool"),
    [
        (0, "capd"),
        (5, "capd"),
        (11, "capd"),
        (11.99, "capd"),
        (12, "ice"),
        (12.0, "ice"),
        (18, "ice"),
        (80, "ice"),
    ],
)
def test_required_ice_for_age(age_years: float, tool: str) -> None:
    assert required_ice_for_age(age_years) == tool


@pytest.mark.parametrize("age_years", [-1, -0.01, 131, True, "12", None, float("nan")])
def test_required_ice_for_age_rejects_invalid_age(age_years: object) -> None:
    with pytest.raises(ValueError, match="age_years"):
        required_ice_for_age(age_years)


# --- ICANS: reasons ------------------------------------------------------------------------

ICANS_REASONS = [
    pytest.param(adult(), ("ICE 10/10, alert, with no other ICANS finding",), id="adult-0"),
    pytest.param(child(), ("CAPD 0, alert, with no other ICANS finding",), id="child-0"),
    pytest.param(adult(ice_score=5), ("ICE 5/10 (3–6)",), id="ice-5"),
    pytest.param(
        adult(ice_score=10, cerebral_edema="focal"), ("focal cerebral oedema on imaging",)
    ),
    pytest.param(
        adult(ice_score=0),
        ("ICE 0/10 (0–2)",),
        id="ice-0-awake",
    ),
    pytest.param(
        adult(ice_score=0, consciousness="unarousable"),
        ("unarousable",),
        id="ice-0-unarousable",
    ),
    pytest.param(
        adult(ice_score=None, consciousness="unarousable"),
        ("unarousable (ICE unable to be performed)",),
        id="ice-not-done-unarousable",
    ),
    pytest.param(
        child(capd_score=None, consciousness="unarousable"),
        ("unarousable (CAPD unable to be performed)",),
        id="capd-not-done-unarousable",
    ),
    pytest.param(
        adult(ice_score=2, seizure="resolved_rapidly"),
        ("ICE 2/10 (0–2)", "seizure that resolved rapidly"),
        id="two-domains-at-3",
    ),
    pytest.param(
        child(capd_score=6, consciousness="awakens_to_voice"),
        ("awakens to voice",),
        id="capd-grade-2-by-consciousness",
    ),
    pytest.param(child(capd_score=12), ("CAPD 12/32 (9–32)",), id="capd-12"),
    pytest.param(
        adult(motor_weakness="deep_focal"),
        ("deep focal motor weakness (hemiparesis or paraparesis)",),
        id="motor",
    ),
]


@pytest.mark.parametrize(("kwargs", "reasons"), ICANS_REASONS)
def test_icans_reasons(kwargs: dict[str, object], reasons: tuple[str, ...]) -> None:
    assert english(grade_icans_with_reason(**kwargs)) == reasons


# --- ICANS: invalid values -----------------------------------------------------------------

ICANS_INVALID = [
    pytest.param(adult(age_years=-1), "age_years", id="age-negative"),
    pytest.param(adult(age_years=131), "age_years", id="age-implausible"),
    pytest.param(adult(age_years=True), "age_years", id="age-bool"),
    pytest.param(adult(age_years="45"), "age_years", id="age-string"),
    pytest.param(adult(age_years=None), "age_years", id="age-none"),
    pytest.param(adult(age_years=float("nan")), "age_years", id="age-nan"),
    pytest.param(adult(ice_score=11), "ice_score", id="ice-11"),
    pytest.param(adult(ice_score=-1), "ice_score", id="ice-negative"),
    pytest.param(adult(ice_score=7.0), "ice_score", id="ice-float"),
    pytest.param(adult(ice_score=True), "ice_score", id="ice-bool-true"),
    pytest.param(adult(ice_score=False), "ice_score", id="ice-bool-false"),
    pytest.param(adult(ice_score="7"), "ice_score", id="ice-string"),
    pytest.param(adult(ice_score=None), "ice_score", id="ice-missing-while-awake"),
    pytest.param(
        adult(ice_score=None, consciousness="awakens_to_touch"),
        "ice_score",
        id="ice-missing-while-rousable",
    ),
    pytest.param(
        adult(ice_score=4, consciousness="unarousable"),
        "ice_score",
        id="ice-above-0-while-unarousable",
    ),
    pytest.param(child(capd_score=None, ice_score=8), "ice_score", id="ice-for-a-child"),
    pytest.param(child(capd_score=33), "capd_score", id="capd-33"),
    pytest.param(child(capd_score=-1), "capd_score", id="capd-negative"),
    pytest.param(child(capd_score=4.5), "capd_score", id="capd-float"),
    pytest.param(child(capd_score=True), "capd_score", id="capd-bool"),
    pytest.param(child(capd_score="4"), "capd_score", id="capd-string"),
    pytest.param(child(capd_score=None), "capd_score", id="capd-missing-while-awake"),
    pytest.param(adult(capd_score=4), "capd_score", id="capd-for-an-adult"),
    pytest.param(adult(consciousness="drowsy"), "consciousness", id="consciousness-unknown"),
    pytest.param(adult(consciousness=None), "consciousness", id="consciousness-none"),
    pytest.param(adult(consciousness=2), "consciousness", id="consciousness-int"),
    pytest.param(adult(consciousness="Alert"), "consciousness", id="consciousness-case"),
    pytest.param(adult(seizure="yes"), "seizure", id="seizure-unknown"),
    pytest.param(adult(seizure=None), "seizure", id="seizure-none"),
    pytest.param(adult(seizure=True), "seizure", id="seizure-bool"),
    pytest.param(adult(motor_weakness="mild"), "motor_weakness", id="motor-unknown"),
    pytest.param(adult(motor_weakness="tremor"), "motor_weakness", id="motor-tremor-not-icans"),
    pytest.param(adult(motor_weakness=None), "motor_weakness", id="motor-none"),
    pytest.param(adult(cerebral_edema="severe"), "cerebral_edema", id="edema-unknown"),
    pytest.param(adult(cerebral_edema=None), "cerebral_edema", id="edema-none"),
    pytest.param(adult(cerebral_edema=["focal"]), "cerebral_edema", id="edema-list"),
]


@pytest.mark.parametrize(("kwargs", "field"), ICANS_INVALID)
def test_icans_invalid_value_raises_naming_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        grade_icans(**kwargs)
    with pytest.raises(ValueError, match=field):
        grade_icans_with_reason(**kwargs)


# --- Interface and tables ------------------------------------------------------------------


def test_grading_functions_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        grade_crs(38.5, False, False, [], "room_air", None)  # type: ignore[misc]
    with pytest.raises(TypeError):
        grade_icans(45, 10, None, "alert", "none", "none", "none")  # type: ignore[misc]


def test_grade_result_is_frozen() -> None:
    result = grade_crs_with_reason(**febrile())
    assert isinstance(result, GradeResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.grade = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("bands", "low", "high"),
    [(ICE_GRADE_BANDS, 0, 10), (CAPD_GRADE_BANDS, 0, 32)],
    ids=["ice", "capd"],
)
def test_score_bands_cover_every_score_exactly_once(
    bands: tuple[tuple[int, int, int], ...], low: int, high: int
) -> None:
    for score in range(low, high + 1):
        matching = [grade for lo, hi, grade in bands if lo <= score <= hi]
        assert len(matching) == 1, score


def test_grading_module_imports_only_the_standard_library() -> None:
    # Clinical rules stay pure (house style §3): no Django, no project modules.
    tree = ast.parse(Path(grading.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            imported.add((node.module or "").split(".")[0])
    assert imported <= {
        "__future__",
        "collections",
        "dataclasses",
        "decimal",
        "math",
        "types",
        "typing",
    }


# --- Properties ----------------------------------------------------------------------------

PRESSOR_NAMES = [
    "norepinephrine",
    "epinephrine",
    "phenylephrine",
    "dopamine",
    "vasopressin",
    "angiotensin_ii",
    "metaraminol",
]
# Independent of the module: how much respiratory support each device is, on the ward's ladder.
# Nasal cannula shares a rung with blow-by; its flow decides between grade 2 and 3.
OXYGEN_RUNG = {
    "room_air": 0,
    "blow_by": 1,
    "nasal_cannula": 1,
    "high_flow_nasal_cannula": 2,
    "face_mask": 2,
    "non_rebreather": 2,
    "venturi": 2,
    "cpap": 3,
    "bipap": 3,
    "mechanical_ventilation": 3,
}
CONSCIOUSNESS_ORDER = [
    "alert",
    "awakens_spontaneously",
    "awakens_to_voice",
    "awakens_to_touch",
    "unarousable",
]
SEIZURE_ORDER = ["none", "resolved_rapidly", "prolonged_or_repetitive"]
MOTOR_ORDER = ["none", "deep_focal"]
EDEMA_ORDER = ["none", "focal", "diffuse"]

temperatures = st.none() | st.floats(min_value=25.0, max_value=45.0)
flows = st.floats(min_value=0.0, max_value=100.0)
nasal_cannula_flows = st.floats(min_value=0.1, max_value=100.0)


@st.composite
def oxygen(draw: st.DrawFn, min_rung: int = 0) -> tuple[str, float | None]:
    device = draw(st.sampled_from([d for d, rung in OXYGEN_RUNG.items() if rung >= min_rung]))
    if device == "nasal_cannula":
        return device, draw(nasal_cannula_flows)
    if device == "room_air":
        return device, draw(st.sampled_from([None, 0.0]))
    return device, draw(st.none() | flows)


@st.composite
def crs_inputs(draw: st.DrawFn) -> dict[str, object]:
    device, flow = draw(oxygen())
    return {
        "temperature_c": draw(temperatures),
        "fever_masked": draw(st.booleans()),
        "hypotension": draw(st.booleans()),
        "vasopressors": draw(st.lists(st.sampled_from(PRESSOR_NAMES), max_size=4)),
        "oxygen_device": device,
        "oxygen_flow_l_min": flow,
    }


@st.composite
def crs_worsened(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, object]]:
    """A valid CRS input and the same input with one finding made worse."""
    base = draw(crs_inputs())
    worse = dict(base)
    step = draw(st.sampled_from(["fever", "masked", "hypotension", "vasopressor", "oxygen"]))
    if step == "fever":
        current = base["temperature_c"]
        worse["temperature_c"] = draw(
            st.floats(min_value=25.0 if current is None else current, max_value=45.0)
        )
    elif step == "masked":
        worse["fever_masked"] = True
    elif step == "hypotension":
        worse["hypotension"] = True
    elif step == "vasopressor":
        worse["vasopressors"] = [*base["vasopressors"], draw(st.sampled_from(PRESSOR_NAMES))]
    elif base["oxygen_device"] == "nasal_cannula" and draw(st.booleans()):
        worse["oxygen_flow_l_min"] = draw(
            st.floats(min_value=base["oxygen_flow_l_min"], max_value=100.0)
        )
    else:
        rung = OXYGEN_RUNG[base["oxygen_device"]]
        # Off a nasal cannula means up a rung: blow-by shares its rung but ignores flow.
        if base["oxygen_device"] == "nasal_cannula":
            rung += 1
        worse["oxygen_device"], worse["oxygen_flow_l_min"] = draw(oxygen(min_rung=rung))
    return base, worse


@st.composite
def icans_inputs(draw: st.DrawFn) -> dict[str, object]:
    age = draw(st.integers(min_value=0, max_value=100) | st.floats(min_value=0, max_value=130))
    level = draw(st.sampled_from(CONSCIOUSNESS_ORDER))
    unarousable = level == "unarousable"
    if age >= 12:
        ice = draw(st.sampled_from([None, 0])) if unarousable else draw(st.integers(0, 10))
        capd = None
    else:
        ice = None
        capd = draw(st.none() | st.integers(0, 32)) if unarousable else draw(st.integers(0, 32))
    return {
        "age_years": age,
        "ice_score": ice,
        "capd_score": capd,
        "consciousness": level,
        "seizure": draw(st.sampled_from(SEIZURE_ORDER)),
        "motor_weakness": draw(st.sampled_from(MOTOR_ORDER)),
        "cerebral_edema": draw(st.sampled_from(EDEMA_ORDER)),
    }


def _worse_code(draw: st.DrawFn, order: list[str], current: str) -> str:
    return draw(st.sampled_from(order[order.index(current) :]))


@st.composite
def icans_worsened(draw: st.DrawFn) -> tuple[dict[str, object], dict[str, object]]:
    """A valid ICANS input and the same input with one domain made worse."""
    base = draw(icans_inputs())
    worse = dict(base)
    step = draw(st.sampled_from(["score", "consciousness", "seizure", "motor", "edema"]))
    if step == "score":
        if base["ice_score"] is not None:
            worse["ice_score"] = draw(st.integers(0, base["ice_score"]))
        elif base["capd_score"] is not None:
            worse["capd_score"] = draw(st.integers(base["capd_score"], 32))
    elif step == "consciousness":
        worse["consciousness"] = _worse_code(draw, CONSCIOUSNESS_ORDER, base["consciousness"])
        # An unarousable patient scores ICE 0, itself a worse score.
        if worse["consciousness"] == "unarousable" and base["ice_score"] is not None:
            worse["ice_score"] = 0
    elif step == "seizure":
        worse["seizure"] = _worse_code(draw, SEIZURE_ORDER, base["seizure"])
    elif step == "motor":
        worse["motor_weakness"] = _worse_code(draw, MOTOR_ORDER, base["motor_weakness"])
    else:
        worse["cerebral_edema"] = _worse_code(draw, EDEMA_ORDER, base["cerebral_edema"])
    return base, worse


@settings(max_examples=300)
@given(crs_inputs())
def test_crs_grade_is_0_to_4_and_agrees_with_reason(kwargs: dict[str, object]) -> None:
    grade = grade_crs(**kwargs)
    result = grade_crs_with_reason(**kwargs)
    assert grade in range(5)
    assert result.grade == grade
    assert result.reasons and all(english(result))


@settings(max_examples=300)
@given(crs_inputs())
def test_crs_needs_fever_or_masking(kwargs: dict[str, object]) -> None:
    temperature = kwargs["temperature_c"]
    febrile_now = temperature is not None and temperature >= 38.0
    grade = grade_crs(**kwargs)
    if not febrile_now and not kwargs["fever_masked"]:
        assert grade == 0
    if febrile_now:
        assert grade >= 1


@settings(max_examples=500)
@given(crs_worsened())
def test_crs_worse_finding_never_lowers_grade(
    pair: tuple[dict[str, object], dict[str, object]],
) -> None:
    base, worse = pair
    assert grade_crs(**worse) >= grade_crs(**base)


@settings(max_examples=300)
@given(icans_inputs())
def test_icans_grade_is_0_to_4_and_agrees_with_reason(kwargs: dict[str, object]) -> None:
    grade = grade_icans(**kwargs)
    result = grade_icans_with_reason(**kwargs)
    assert grade in range(5)
    assert result.grade == grade
    assert result.reasons and all(english(result))


@settings(max_examples=500)
@given(icans_worsened())
def test_icans_worse_finding_never_lowers_grade(
    pair: tuple[dict[str, object], dict[str, object]],
) -> None:
    base, worse = pair
    assert grade_icans(**worse) >= grade_icans(**base)


@settings(max_examples=300)
@given(icans_inputs())
def test_icans_grade_4_domains_always_give_4(kwargs: dict[str, object]) -> None:
    for field, code in (
        ("seizure", "prolonged_or_repetitive"),
        ("motor_weakness", "deep_focal"),
        ("cerebral_edema", "diffuse"),
    ):
        assert grade_icans(**{**kwargs, field: code}) == 4
