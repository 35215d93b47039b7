"""Pure rules: deviations, bridging timing, day numbers across month ends and DST, re-planning
after a Day 0 change, and the gate. No database."""

import ast
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from infusion import dosing, rules
from infusion.rules import (
    BedsideFacts,
    DoseToPlan,
    GateFacts,
    administration_deviation,
    bridging_timing,
    day_number_at,
    evaluate_gate,
    replan_after_day0_change,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_rules_module_imports_no_django():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    modules = {
        (n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
    } | {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "django" not in modules and "rest_framework" not in modules


# --- Deviations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "deviates"),
    [("910", False), ("955.5", False), ("955.6", True), ("864.5", False), ("864.4", True)],
)
def test_dose_tolerance_is_5_percent_either_way(given, deviates):
    result = administration_deviation(
        planned_mg=Decimal("910"),
        given_mg=Decimal(given),
        planned_on=date(2026, 6, 15),
        given_on=date(2026, 6, 15),
    )
    assert result.deviates is deviates


def test_another_day_is_a_deviation_even_at_the_right_dose():
    result = administration_deviation(
        planned_mg=Decimal("55"),
        given_mg=Decimal("55"),
        planned_on=date(2026, 6, 15),
        given_on=date(2026, 6, 16),
    )
    assert result.codes == ("day",)
    assert result.message == "given on 2026-06-16, planned for 2026-06-15"


def test_zero_dose_is_refused():
    with pytest.raises(ValueError, match="^given_mg"):
        administration_deviation(
            planned_mg=Decimal("55"),
            given_mg=Decimal("0"),
            planned_on=date(2026, 6, 15),
            given_on=date(2026, 6, 15),
        )


# --- Bridging ------------------------------------------------------------------------------


def test_bridging_gap_of_seven_days():
    ended = date(2026, 6, 1)
    assert bridging_timing(bridging_ended_on=ended, first_lymphodepletion_on=date(2026, 6, 8)).ok
    late = bridging_timing(bridging_ended_on=ended, first_lymphodepletion_on=date(2026, 6, 7))
    assert late.ok is False and late.earliest_lymphodepletion == date(2026, 6, 8)


def test_bridging_still_running_cannot_be_timed():
    result = bridging_timing(bridging_ended_on=None, first_lymphodepletion_on=date(2026, 6, 7))
    assert result.ok is False and result.earliest_lymphodepletion is None


# --- Day numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day0", "on", "expected"),
    [
        (date(2026, 3, 2), date(2026, 2, 25), -5),  # across the end of February
        (date(2028, 3, 2), date(2028, 2, 26), -5),  # leap year: 29 February counts
        (date(2026, 1, 2), date(2025, 12, 28), -5),  # across the year end
        (date(2026, 5, 1), date(2026, 4, 26), -5),  # 30-day month
        (date(2026, 7, 31), date(2026, 8, 14), 14),
    ],
)
def test_day_numbers_across_month_ends(day0, on, expected):
    assert dosing.day_number(day0=day0, on=on) == expected


def test_plan_dates_across_a_month_end():
    plan = dosing.plan_lymphodepletion(
        regimen_key="axi-cel",
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
        day0=date(2026, 3, 2),
    )
    assert sorted({(p.day_number, p.calendar_date) for p in plan}) == [
        (-5, date(2026, 2, 25)),
        (-4, date(2026, 2, 26)),
        (-3, date(2026, 2, 27)),
    ]


@pytest.mark.parametrize(
    ("moment", "tz", "day0", "expected"),
    [
        # Paris springs forward on 29 March 2026 (02:00 → 03:00): 23-hour day.
        (datetime(2026, 3, 29, 23, 30, tzinfo=PARIS), PARIS, date(2026, 4, 3), -5),
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), PARIS, date(2026, 4, 3), -5),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), PARIS, date(2026, 4, 3), -4),
        # Paris falls back on 25 October 2026: 25-hour day, still one day.
        (datetime(2026, 10, 25, 0, 30, tzinfo=PARIS), PARIS, date(2026, 10, 25), 0),
        (datetime(2026, 10, 25, 23, 30, tzinfo=PARIS), PARIS, date(2026, 10, 25), 0),
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), PARIS, date(2026, 10, 25), 1),
        # New York springs forward on 8 March 2026.
        (datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK), NEW_YORK, date(2026, 3, 8), 0),
        # The centre (no DST): 16:30 UTC is 00:30 the next day in Shanghai.
        (datetime(2026, 6, 14, 16, 30, tzinfo=UTC), SHANGHAI, date(2026, 6, 20), -5),
    ],
)
def test_day_number_of_a_moment_across_dst(moment, tz, day0, expected):
    assert day_number_at(day0=day0, moment=moment, tz=tz) == expected


def test_day_number_of_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="^moment"):
        day_number_at(day0=date(2026, 6, 20), moment=datetime(2026, 6, 15, 8), tz=SHANGHAI)


# --- Re-planning ---------------------------------------------------------------------------


def _doses():
    return [
        DoseToPlan("flu-5", -5, date(2026, 6, 15), True),
        DoseToPlan("cy-5", -5, date(2026, 6, 15), False),
        DoseToPlan("flu-4", -4, date(2026, 6, 16), False),
    ]


def test_replan_moves_only_doses_not_given_keeping_day_numbers():
    moves = replan_after_day0_change(
        doses=_doses(), new_day0=date(2026, 7, 2), today=date(2026, 6, 15)
    )
    # Across the month end: Day −5 of 2 July is 27 June.
    assert [(m.key, m.new_date) for m in moves] == [
        ("cy-5", date(2026, 6, 27)),
        ("flu-4", date(2026, 6, 28)),
    ]


def test_replan_refuses_doses_in_the_past():
    with pytest.raises(ValueError, match="^new_day0"):
        replan_after_day0_change(
            doses=_doses(), new_day0=date(2026, 6, 19), today=date(2026, 6, 15)
        )


# --- Gate ----------------------------------------------------------------------------------

CALM = BedsideFacts(
    active_uncontrolled_infection=False,
    new_organ_dysfunction=False,
    vitals={
        "temperature_c": Decimal("36.8"),
        "heart_rate_bpm": Decimal("80"),
        "systolic_bp_mmhg": Decimal("120"),
        "spo2_percent": Decimal("97"),
        "respiratory_rate_per_min": Decimal("16"),
    },
    paracetamol_given=True,
    antihistamine_given=True,
    prophylactic_steroid_given=False,
)
READY = GateFacts(
    product_received=True,
    manufacturing_status="released",
    lymphodepletion_plan_verified=True,
    lymphodepletion_doses_outstanding=0,
    coi_verifier_count=2,
    tocilizumab_doses=2,
    bedside=CALM,
)


def _failing(facts, **kwargs):
    return [i.code for i in evaluate_gate(facts, **kwargs).failing]


def test_everything_in_place_passes():
    assert evaluate_gate(READY).passed


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"product_received": False}, "product_received"),
        ({"manufacturing_status": "in_manufacturing"}, "product_received"),
        ({"lymphodepletion_doses_outstanding": 1}, "lymphodepletion_complete"),
        ({"lymphodepletion_plan_verified": False}, "lymphodepletion_complete"),
        ({"coi_verifier_count": 1}, "coi_bedside"),
        ({"tocilizumab_doses": 1}, "tocilizumab_available"),
        ({"tocilizumab_doses": None}, "tocilizumab_available"),
    ],
)
def test_each_item_can_fail(changes, code):
    from dataclasses import replace

    assert code in _failing(replace(READY, **changes))


def test_out_of_spec_release_fails_only_the_spec_item():
    from dataclasses import replace

    assert _failing(replace(READY, manufacturing_status="released_oos")) == ["product_in_spec"]


@pytest.mark.parametrize(
    ("vital", "value", "fails"),
    [
        ("temperature_c", "37.9", False),
        ("temperature_c", "38.0", True),  # fever: the CRS threshold
        ("spo2_percent", "93", False),
        ("spo2_percent", "92", True),
        ("systolic_bp_mmhg", "89", True),
        ("heart_rate_bpm", "121", True),
        ("respiratory_rate_per_min", "25", True),
    ],
)
def test_vital_sign_limits(vital, value, fails):
    from dataclasses import replace

    bedside = replace(CALM, vitals={**CALM.vitals, vital: Decimal(value)})
    assert ("vital_signs" in _failing(replace(READY, bedside=bedside))) is fails


def test_no_check_today_fails_the_four_bedside_items():
    from dataclasses import replace

    assert _failing(replace(READY, bedside=None)) == [
        "no_active_infection",
        "no_new_organ_dysfunction",
        "vital_signs",
        "premedication",
    ]


def test_steroid_premedication_fails():
    from dataclasses import replace

    bedside = replace(CALM, prophylactic_steroid_given=True)
    item = next(
        i for i in evaluate_gate(replace(READY, bedside=bedside)).items if i.code == "premedication"
    )
    assert item.ok is False and item.observed == "missing=none; steroid=yes"


def test_override_covers_only_the_observation_it_was_given_for():
    from dataclasses import replace

    febrile = replace(
        READY, bedside=replace(CALM, vitals={**CALM.vitals, "temperature_c": Decimal("38.2")})
    )
    assert evaluate_gate(febrile, overrides={"vital_signs": ["temperature_c=38.2"]}).passed
    hotter = replace(
        READY, bedside=replace(CALM, vitals={**CALM.vitals, "temperature_c": Decimal("38.9")})
    )
    assert not evaluate_gate(hotter, overrides={"vital_signs": ["temperature_c=38.2"]}).passed


def test_coi_and_receipt_ignore_overrides():
    from dataclasses import replace

    facts = replace(READY, coi_verifier_count=1, product_received=False)
    result = evaluate_gate(
        facts,
        overrides={
            "coi_bedside": ["verifiers=1"],
            "product_received": ["received=no; status=released"],
        },
    )
    assert {i.code for i in result.failing} == {"coi_bedside", "product_received"}


def test_tocilizumab_minimum_is_a_parameter():
    from dataclasses import replace

    assert evaluate_gate(replace(READY, tocilizumab_doses=1), min_tocilizumab_doses=1).passed
