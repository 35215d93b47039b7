"""Grade reasons as codes with parameters (issue 17): what the rules return, that every code
has its words in both languages, and the read-back of reasons charted in English before."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override
from hypothesis import given, settings

from core import system_text
from monitoring import grading
from monitoring.grading import Finding, grade_crs_with_reason, grade_icans_with_reason
from monitoring.grading_legacy import findings_from_english
from monitoring.texts import GRADING_TEXTS
from tests.monitoring.test_grading import (
    CRS_REASONS,
    ICANS_REASONS,
    adult,
    child,
    crs,
    crs_inputs,
    febrile,
    icans_inputs,
)


def codes_in(finding: Finding) -> set[str]:
    nested = (v for v in finding.params.values() if isinstance(v, Finding))
    return {finding.code}.union(*(codes_in(v) for v in nested))


# --- The rules return codes ----------------------------------------------------------------


def test_a_crs_reason_is_a_code_with_the_fever_and_the_finding_inside() -> None:
    result = grade_crs_with_reason(**febrile(vasopressors=["noradrenaline", "vasopressin"]))
    assert result.grade == 3
    assert [f.as_json() for f in result.reasons] == [
        {
            "code": "grade.crs.fever_with",
            "params": {
                "fever": {"code": "grade.crs.fever", "params": {"temperature": "38.6"}},
                "finding": {
                    "code": "grade.crs.one_vasopressor_with_vasopressin",
                    "params": {"drug": {"code": "grade.drug.norepinephrine", "params": {}}},
                },
            },
        }
    ]


def test_temperatures_and_flows_are_the_charted_numbers() -> None:
    [below] = grade_crs_with_reason(**crs(temperature_c=37.99)).reasons
    assert below == Finding("grade.crs.below_fever", {"temperature": "37.99", "fever_min": "38.0"})
    [reason] = grade_crs_with_reason(
        **febrile(oxygen_device="nasal_cannula", oxygen_flow_l_min=6.5)
    ).reasons
    assert reason.params["finding"] == Finding(
        "grade.crs.nasal_cannula_above", {"flow": "6.5", "limit": "6"}
    )


def test_an_icans_band_is_a_code_with_the_score() -> None:
    result = grade_icans_with_reason(**adult(ice_score=5))
    assert result.reasons == (
        Finding("grade.icans.score", {"tool": "ICE", "score": 5, "maximum": 10, "span": "3–6"}),
    )
    assert grade_icans_with_reason(
        **child(capd_score=None, consciousness="unarousable")
    ).reasons == (Finding("grade.icans.unarousable_not_scored", {"tool": "CAPD"}),)


def test_a_finding_cannot_be_changed() -> None:
    [finding] = grade_crs_with_reason(**febrile()).reasons
    with pytest.raises(TypeError):
        finding.params["fever"] = "x"  # type: ignore[index]


# --- Every code is worded, in English and Chinese -------------------------------------------


def test_every_code_is_registered_and_translated() -> None:
    registered = system_text.codes()
    assert GRADING_TEXTS.items() <= registered.items()
    with override("zh-hans"):
        untranslated = [code for code, msgid in GRADING_TEXTS.items() if gettext(msgid) == msgid]
    assert untranslated == []


def test_every_value_of_every_table_has_its_words() -> None:
    expected = (
        {f"grade.crs.oxygen.{device}" for device in grading.OXYGEN_DEVICE_GRADE}
        | {f"grade.drug.{name}" for name in grading.VASOPRESSORS}
        | {f"grade.icans.consciousness.{level}" for level in grading.CONSCIOUSNESS_GRADE}
        | {f"grade.icans.seizure.{v}" for v in grading.SEIZURE_GRADE if v != "none"}
        | {f"grade.icans.motor.{v}" for v in grading.MOTOR_WEAKNESS_GRADE if v != "none"}
        | {f"grade.icans.edema.{v}" for v in grading.CEREBRAL_EDEMA_GRADE if v != "none"}
    )
    assert expected <= GRADING_TEXTS.keys()


@settings(max_examples=200)
@given(crs_inputs())
def test_every_crs_reason_uses_registered_codes(kwargs: dict[str, object]) -> None:
    for finding in grade_crs_with_reason(**kwargs).reasons:
        assert codes_in(finding) <= GRADING_TEXTS.keys()


@settings(max_examples=200)
@given(icans_inputs())
def test_every_icans_reason_uses_registered_codes(kwargs: dict[str, object]) -> None:
    for finding in grade_icans_with_reason(**kwargs).reasons:
        assert codes_in(finding) <= GRADING_TEXTS.keys()


def test_a_reason_in_chinese() -> None:
    result = grade_crs_with_reason(
        **febrile(vasopressors=["norepinephrine", "phenylephrine", "vasopressin"])
    )
    stored = [f.as_json() for f in result.reasons]
    with override("zh-hans"):
        assert system_text.say(stored) == (
            "发热 38.6 °C，伴多种血管活性药物（去甲肾上腺素、去氧肾上腺素）加血管加压素"
        )
    icans = [f.as_json() for f in grade_icans_with_reason(**adult(ice_score=2)).reasons]
    with override("zh-hans"):
        assert system_text.say(icans) == "ICE 2/10（0–2 分）"


# --- Reasons charted in English before: read back where exact ------------------------------


def _stored(result) -> list[dict]:
    return [finding.as_json() for finding in result.reasons]


@pytest.mark.parametrize(("kwargs", "reasons"), CRS_REASONS)
def test_old_crs_english_maps_back_to_the_same_codes(kwargs, reasons) -> None:
    old = "; ".join(reasons)
    mapped = findings_from_english(old, texts=GRADING_TEXTS, scale="crs")
    assert mapped == _stored(grade_crs_with_reason(**kwargs))


@pytest.mark.parametrize(("kwargs", "reasons"), ICANS_REASONS)
def test_old_icans_english_maps_back_to_the_same_codes(kwargs, reasons) -> None:
    old = "; ".join(reasons)
    mapped = findings_from_english(old, texts=GRADING_TEXTS, scale="icans")
    assert mapped == _stored(grade_icans_with_reason(**kwargs))


@settings(max_examples=200)
@given(crs_inputs())
def test_any_crs_english_maps_back(kwargs: dict[str, object]) -> None:
    stored = _stored(grade_crs_with_reason(**kwargs))
    english = system_text.english(stored)
    assert findings_from_english(english, texts=GRADING_TEXTS, scale="crs") == stored


@settings(max_examples=200)
@given(icans_inputs())
def test_any_icans_english_maps_back(kwargs: dict[str, object]) -> None:
    stored = _stored(grade_icans_with_reason(**kwargs))
    english = system_text.english(stored)
    assert findings_from_english(english, texts=GRADING_TEXTS, scale="icans") == stored


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        # Cut at 300 characters: the last reason is incomplete.
        ("fever 38.6 °C with one vasopressor (norepinephrine); fever 38.6 °C with face ma", "crs"),
        # The drug as the old code spelled it; the wording is now "angiotensin II".
        ("fever 38.6 °C with one vasopressor (angiotensin_ii)", "crs"),
        # Words no rule ever wrote.
        ("fever 38.6 °C with a note typed by hand", "crs"),
        ("fever 38.6 °C", "crs"),  # a fragment, not a reason
        ("ICE 5/10 (3–6)", "crs"),  # an ICANS reason in the CRS column
        ("fever high °C without hypotension or hypoxia", "crs"),  # not a number
        ("", "crs"),
    ],
)
def test_anything_not_exact_maps_to_nothing(text: str, scale: str) -> None:
    assert findings_from_english(text, texts=GRADING_TEXTS, scale=scale) == []
