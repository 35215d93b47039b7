"""Prose written before issue 17 read back as codes: the data migrations' mappings and the
chart history's translation of known sentences (core.system_text_legacy)."""

from importlib import import_module

import pytest
from django.utils.translation import override

from core.system_text_legacy import parse, translate

stage_events = import_module("patients.migrations.0012_stage_event_reason_text")
escalations = import_module("monitoring.migrations.0008_escalation_reason_codes")

CAUSE = "followup.death_cause"


@pytest.mark.parametrize(
    ("stored", "code", "params", "human"),
    [
        ("Screening started.", "eligibility.screening_started", {}, ""),
        ("筛选已开始。", "eligibility.screening_started", {}, ""),
        ("Referred for CAR-T therapy.", "patients.referred", {}, ""),
        ("MDT approved. Fit; LVEF 55 %", "eligibility.mdt_approved", {}, "Fit; LVEF 55 %"),
        ("MDT 已批准。 适合治疗", "eligibility.mdt_approved", {}, "适合治疗"),
        ("MDT declined.", "eligibility.mdt_declined", {}, ""),
        ("Monitoring ended: afebrile 72 h", "monitoring.ended", {}, "afebrile 72 h"),
        ("监测已结束：无发热 72 小时", "monitoring.ended", {}, "无发热 72 小时"),
        ("Follow-up ended: moved abroad", "followup.ended", {}, "moved abroad"),
        (
            "Died: Infection",
            "followup.died",
            {"cause": {"code": f"{CAUSE}.infection", "params": {}}},
            "",
        ),
        (
            "Died: Disease progression or relapse – refractory LBCL",
            "followup.died_with_details",
            {"cause": {"code": f"{CAUSE}.progression", "params": {}}},
            "refractory LBCL",
        ),
        (
            "死亡：感染",
            "followup.died",
            {"cause": {"code": f"{CAUSE}.infection", "params": {}}},
            "",
        ),
    ],
)
def test_stage_event_reasons_map_to_codes(stored, code, params, human):
    assert stage_events.split_reason(stored) == ({"code": code, "params": params}, human)


@pytest.mark.parametrize(
    "typed",
    # A bare label is a parameter, never a whole reason; a sentence that only begins with the
    # words of a system text is not one.
    ["Patient asked to stop", "Other", "Infection", "", "Screening started later than planned?"],
)
def test_other_text_stays_human(typed):
    assert stage_events.split_reason(typed) == (None, typed)


def test_escalation_reasons_map_to_a_list_of_codes():
    assert escalations.reason_codes("CRS grade 2 (was 0); ICANS grade 1 (was 0)") == [
        {"code": "monitoring.escalation.crs", "params": {"new": 2, "old": 0}},
        {"code": "monitoring.escalation.icans", "params": {"new": 1, "old": 0}},
    ]
    assert escalations.reason_codes("CRS 3 级（原为 2 级）") == [
        {"code": "monitoring.escalation.crs", "params": {"new": 3, "old": 2}}
    ]
    # One part of unknown wording: nothing is guessed, the stored text is shown.
    assert escalations.reason_codes("CRS grade 2 (was 0); paged by ICU") == []
    assert escalations.reason_codes("") == []


def test_a_wording_ending_in_a_parameter_does_not_swallow_human_words():
    codes = {"t.died": "Died: %(cause)s", "t.cause": "Infection"}
    stored, human = parse("Died: Infection", codes=codes)
    assert stored == {"code": "t.died", "params": {"cause": {"code": "t.cause", "params": {}}}}
    assert human == ""


def test_translate_shows_a_known_sentence_in_the_active_language():
    with override("zh-hans"):
        assert translate("Screening started.") == "筛选已开始。"
        assert translate("MDT approved. Fit") == "MDT 已批准。 Fit"
        assert translate("paged by ICU") == "paged by ICU"
        # A wording that opens with a parameter is never read into a person's sentence.
        assert translate("Discussed with family") == "Discussed with family"
        assert translate("monitoring sweep") == "监测定时任务"
    with override("en"):
        assert translate("筛选已开始。") == "Screening started."
