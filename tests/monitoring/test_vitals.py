"""Hypotension and hypoxia derived from the measured vital signs (issue 16 item 2;
clinical reference §3: systolic < 90 or MAP < 65, SpO2 < 90% on room air; PALS 2020 for
children). Boundaries at 89/90, MAP 64/65 and SpO2 89/90."""

from decimal import Decimal

import pytest

from monitoring import grading, vitals


def derive(**overrides):
    values = {
        "age_years": 45,
        "systolic_mmhg": 120,
        "diastolic_mmhg": 75,
        "spo2_percent": 97,
        "hypotension_ticked": False,
        "oxygen_device": "room_air",
        "oxygen_flow_l_min": None,
    }
    values.update(overrides)
    return vitals.derive(**values)


def codes(result):
    return [f.code for f in result.findings]


class TestHypotensionFromPressure_ClinicalReference3:
    def test_systolic_89_is_hypotension_though_the_box_is_unticked(self):
        result = derive(systolic_mmhg=89, diastolic_mmhg=70)
        assert result.hypotension is True
        assert codes(result) == ["systolic_low", "hypotension_from_numbers"]

    def test_systolic_90_with_map_above_65_is_not(self):
        result = derive(systolic_mmhg=90, diastolic_mmhg=60)  # MAP 70
        assert result.hypotension is False and result.findings == ()

    def test_map_64_is_hypotension(self):
        result = derive(systolic_mmhg=96, diastolic_mmhg=48)  # MAP 64
        assert result.hypotension is True and "map_low" in codes(result)

    def test_map_65_is_not(self):
        result = derive(systolic_mmhg=95, diastolic_mmhg=50)  # MAP exactly 65
        assert result.hypotension is False

    def test_issue_case_82_over_48_box_unticked(self):
        result = derive(systolic_mmhg=82, diastolic_mmhg=48)
        assert result.hypotension is True
        assert codes(result) == ["systolic_low", "map_low", "hypotension_from_numbers"]

    def test_box_ticked_with_normal_pressure_keeps_the_worse_and_says_so(self):
        result = derive(hypotension_ticked=True)
        assert result.hypotension is True and codes(result) == ["hypotension_box_only"]

    def test_box_and_numbers_agree_nothing_to_explain(self):
        result = derive(hypotension_ticked=True, systolic_mmhg=80, diastolic_mmhg=45)
        assert result.hypotension is True and result.findings == ()

    def test_threshold_is_editable(self):
        thresholds = vitals.VitalThresholds(systolic_below_mmhg=100)
        assert derive(systolic_mmhg=95, diastolic_mmhg=70, thresholds=thresholds).hypotension

    def test_not_measured_derives_nothing(self):
        result = derive(systolic_mmhg=None, diastolic_mmhg=None, spo2_percent=None)
        assert result.hypotension is False and result.findings == ()


class TestChildrenPals2020:
    @pytest.mark.parametrize(
        ("age", "limit"), [(0.01, 60), (0.5, 70), (1, 72), (5, 80), (9.9, 88), (10, 90)]
    )
    def test_systolic_threshold_by_age(self, age, limit):
        assert vitals.systolic_threshold_for_age(age, vitals.DEFAULT_THRESHOLDS) == limit

    def test_five_year_old_at_80_is_not_hypotensive_at_79_is(self):
        assert derive(age_years=5, systolic_mmhg=80, diastolic_mmhg=40).hypotension is False
        result = derive(age_years=5, systolic_mmhg=79, diastolic_mmhg=40)
        assert result.hypotension is True and "systolic_low_child" in codes(result)

    def test_map_criterion_is_adult_only(self):
        # MAP 53 would be low in an adult; PALS gives no MAP cut-off for a 5-year-old.
        assert derive(age_years=5, systolic_mmhg=85, diastolic_mmhg=37).hypotension is False


class TestHypoxiaFromSpo2_ClinicalReference3:
    def test_spo2_89_on_room_air_is_graded_as_low_flow_oxygen(self):
        result = derive(spo2_percent=89)
        assert result.oxygen_device == vitals.ROOM_AIR_HYPOXIA_DEVICE
        assert grading.OXYGEN_DEVICE_GRADE[result.oxygen_device] == 2
        assert codes(result) == ["spo2_low_room_air"]

    def test_spo2_90_on_room_air_is_not(self):
        result = derive(spo2_percent=90)
        assert result.oxygen_device == "room_air" and result.findings == ()

    def test_low_spo2_on_oxygen_keeps_the_device(self):
        result = derive(spo2_percent=85, oxygen_device="face_mask")
        assert result.oxygen_device == "face_mask" and result.findings == ()


class TestFeedsTheUnchangedAstctInterface:
    def test_fever_with_82_over_48_box_unticked_is_crs_2_not_1(self):
        derived = derive(systolic_mmhg=82, diastolic_mmhg=48)
        result = grading.grade_crs_with_reason(
            temperature_c=Decimal("38.6"),
            fever_masked=False,
            hypotension=derived.hypotension,
            vasopressors=[],
            oxygen_device=derived.oxygen_device,
            oxygen_flow_l_min=derived.oxygen_flow_l_min,
        )
        assert result.grade == 2

    def test_fever_with_spo2_88_on_room_air_is_crs_2(self):
        derived = derive(spo2_percent=88)
        result = grading.grade_crs_with_reason(
            temperature_c=38.6,
            fever_masked=False,
            hypotension=derived.hypotension,
            vasopressors=[],
            oxygen_device=derived.oxygen_device,
            oxygen_flow_l_min=derived.oxygen_flow_l_min,
        )
        assert result.grade == 2
