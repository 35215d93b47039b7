"""Lymphodepletion and tocilizumab dose rules: worked examples a pharmacist can check by hand.

Pure functions only: no database, no Django.
"""

from __future__ import annotations

import ast
import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue.dosing import tocilizumab_dose, tocilizumab_dose_allowed
from infusion import dosing
from infusion.dosing import (
    CYCLOPHOSPHAMIDE,
    FLAG_BSA_CAPPED,
    FLAG_CAPPED_AT_MAX_DOSE,
    FLAG_RENAL_ADJUSTED,
    FLAG_REQUIRES_CLINICIAN_DECISION,
    FLAG_UNVERIFIED_REGIMEN,
    FLUDARABINE,
    REGIMENS,
    date_of_day,
    day_number,
    dosing_bsa,
    fludarabine_renal_adjustment,
    format_day,
    lymphodepletion_dose,
    plan_lymphodepletion,
)

MINUS = "\u2212"


def _starts_with(field: str) -> str:
    """The error message must open with the field's name, not merely contain its letters."""
    return rf"^{re.escape(field)}\b"


PARIS = ZoneInfo("Europe/Paris")


def test_module_is_pure_python_without_django():
    imported: set[str] = set()
    modules = sorted(Path(dosing.__file__).parent.glob("*.py"))  # dosing is a package
    assert len(modules) > 1
    trees = [ast.parse(module.read_text(encoding="utf-8")) for module in modules]
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "django" not in imported
    assert "rest_framework" not in imported


# --- Body surface area ----------------------------------------------------------------------


def test_bsa_170_cm_70_kg_is_1_82():
    result = dosing_bsa(height_cm=170, weight_kg=70)
    assert result.bsa_m2 == 1.82
    assert result.uncapped_bsa_m2 == 1.82
    assert result.capped is False
    assert result.warnings == ()
    assert result.calculation == "BSA √(170 cm × 70 kg / 3600) = 1.82 m²"


def test_bsa_cap_2_0_applied_for_190_cm_110_kg():
    result = dosing_bsa(height_cm=190, weight_kg=110, cap_m2=2.0)
    assert result.uncapped_bsa_m2 == 2.41
    assert result.bsa_m2 == 2.0
    assert result.capped is True
    assert result.warnings == ("BSA 2.41 m² capped at 2.00 m² (centre setting).",)
    assert result.calculation.endswith("= 2.41 m², capped at 2.00 m²")


def test_bsa_default_is_no_cap_but_warns_above_2_2():
    result = dosing_bsa(height_cm=190, weight_kg=110)
    assert result.bsa_m2 == 2.41
    assert result.capped is False
    assert len(result.warnings) == 1
    assert "above 2.2 m²" in result.warnings[0]


def test_bsa_exactly_2_2_does_not_warn_and_2_21_does():
    # 176 cm × 99 kg = 17424 = 3600 × 2.2², so the BSA is exactly 2.2 m².
    assert dosing_bsa(height_cm=176, weight_kg=99).warnings == ()
    assert dosing_bsa(height_cm=176, weight_kg=100).uncapped_bsa_m2 == 2.21
    assert len(dosing_bsa(height_cm=176, weight_kg=100).warnings) == 1


def test_bsa_equal_to_cap_is_not_capped():
    result = dosing_bsa(height_cm=176, weight_kg=99, cap_m2=2.2)
    assert result.capped is False
    assert result.bsa_m2 == 2.2


def test_bsa_below_cap_is_untouched():
    result = dosing_bsa(height_cm=170, weight_kg=70, cap_m2=2.0)
    assert result.capped is False
    assert result.bsa_m2 == 1.82


def test_bsa_warning_threshold_is_a_setting():
    assert dosing_bsa(height_cm=170, weight_kg=70, warn_above_m2=1.8).warnings
    assert not dosing_bsa(height_cm=170, weight_kg=70, warn_above_m2=1.82).warnings


def test_bsa_cap_with_more_decimals_is_never_exceeded():
    assert dosing_bsa(height_cm=190, weight_kg=110, cap_m2=2.009).bsa_m2 == 2.0


def test_bsa_child():
    # √(110 × 18 / 3600) = √0.55 = 0.7416…
    assert dosing_bsa(height_cm=110, weight_kg=18).bsa_m2 == 0.74


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"height_cm": 0, "weight_kg": 70}, "height_cm"),
        ({"height_cm": -170, "weight_kg": 70}, "height_cm"),
        ({"height_cm": 30, "weight_kg": 70}, "height_cm"),
        ({"height_cm": 300, "weight_kg": 70}, "height_cm"),
        ({"height_cm": math.nan, "weight_kg": 70}, "height_cm"),
        ({"height_cm": math.inf, "weight_kg": 70}, "height_cm"),
        ({"height_cm": "170", "weight_kg": 70}, "height_cm"),
        ({"height_cm": None, "weight_kg": 70}, "height_cm"),
        ({"height_cm": True, "weight_kg": 70}, "height_cm"),
        ({"height_cm": 170, "weight_kg": 0}, "weight_kg"),
        ({"height_cm": 170, "weight_kg": -70}, "weight_kg"),
        ({"height_cm": 170, "weight_kg": 400}, "weight_kg"),
        ({"height_cm": 170, "weight_kg": math.nan}, "weight_kg"),
        ({"height_cm": 170, "weight_kg": None}, "weight_kg"),
        ({"height_cm": 170, "weight_kg": 70, "cap_m2": 0}, "cap_m2"),
        ({"height_cm": 170, "weight_kg": 70, "cap_m2": -2.0}, "cap_m2"),
        ({"height_cm": 170, "weight_kg": 70, "cap_m2": math.nan}, "cap_m2"),
        ({"height_cm": 170, "weight_kg": 70, "warn_above_m2": 0}, "warn_above_m2"),
    ],
)
def test_bsa_invalid_input_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=_starts_with(field)):
        dosing_bsa(**kwargs)


# --- Fludarabine renal adjustment -----------------------------------------------------------


@pytest.mark.parametrize(
    ("crcl", "factor", "decision"),
    [
        (140, 1.0, False),
        (70.1, 1.0, False),
        (70, 0.8, False),  # 70 exactly: reduced (US label: 30–70 inclusive, issue 16 item 8)
        (69.9, 0.8, False),
        (55, 0.8, False),
        (30, 0.8, False),  # 30 exactly: reduced, not withheld
        (29.9, None, True),
        (25, None, True),
        (0, None, True),
    ],
)
def test_fludarabine_renal_bands(crcl, factor, decision):
    result = fludarabine_renal_adjustment(creatinine_clearance_ml_min=crcl)
    assert result.dose_factor == factor
    assert result.requires_clinician_decision is decision
    assert "CrCl" in result.reason


def test_fludarabine_renal_reason_text():
    assert fludarabine_renal_adjustment(creatinine_clearance_ml_min=55).reason == (
        "CrCl 55 mL/min (30–70): reduce by 20%."
    )
    assert fludarabine_renal_adjustment(creatinine_clearance_ml_min=25).reason == (
        "CrCl 25 mL/min (< 30): do not give fludarabine without a clinician's decision."
    )


@pytest.mark.parametrize("crcl", [None, -1, math.nan, math.inf, "55", True])
def test_fludarabine_renal_invalid_or_missing_crcl(crcl):
    with pytest.raises(ValueError, match=_starts_with("creatinine_clearance_ml_min")):
        fludarabine_renal_adjustment(creatinine_clearance_ml_min=crcl)


# --- Lymphodepletion dose -------------------------------------------------------------------


def test_fludarabine_full_dose_170_cm_70_kg():
    result = lymphodepletion_dose(
        drug=FLUDARABINE,
        dose_per_m2_mg=30,
        bsa_m2=1.82,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
    )
    assert result.full_dose_mg == 54.6
    assert result.dose_mg == 55
    assert result.flags == ()
    assert result.requires_clinician_decision is False
    assert result.calculation == (
        "30 mg/m² × 1.82 m² = 54.6 mg; CrCl 90 mL/min (> 70) → full dose; "
        "rounded to 55 mg (nearest 1 mg)"
    )


def test_fludarabine_crcl_55_reduced_by_20_percent():
    result = lymphodepletion_dose(
        drug=FLUDARABINE,
        dose_per_m2_mg=30,
        bsa_m2=1.85,
        weight_kg=70,
        creatinine_clearance_ml_min=55,
    )
    assert result.full_dose_mg == 55.5
    assert result.unrounded_dose_mg == 44.4
    assert result.dose_mg == 44
    assert result.flags == (FLAG_RENAL_ADJUSTED,)
    assert result.calculation == (
        f"30 mg/m² × 1.85 m² = 55.5 mg; CrCl 55 mL/min (30–70) → {MINUS}20% = 44.4 mg; "
        "rounded to 44 mg (nearest 1 mg)"
    )


def test_fludarabine_crcl_25_needs_a_clinician_decision():
    result = lymphodepletion_dose(
        drug=FLUDARABINE,
        dose_per_m2_mg=30,
        bsa_m2=1.82,
        weight_kg=70,
        creatinine_clearance_ml_min=25,
    )
    assert result.dose_mg is None
    assert result.requires_clinician_decision is True
    assert result.flags == (FLAG_REQUIRES_CLINICIAN_DECISION,)
    assert result.full_dose_mg == 54.6
    assert "clinician's decision" in result.calculation


def test_fludarabine_without_crcl_is_refused():
    with pytest.raises(ValueError, match=_starts_with("creatinine_clearance_ml_min")):
        lymphodepletion_dose(drug=FLUDARABINE, dose_per_m2_mg=30, bsa_m2=1.82, weight_kg=70)


@pytest.mark.parametrize(
    ("dose_per_m2_mg", "bsa_m2", "expected_mg"),
    [
        (250, 1.82, 460),  # 455 → 460: half rounds up
        (250, 1.86, 470),  # 465 → 470: half up, not to even
        (300, 1.82, 550),  # 546 → 550
        (500, 1.82, 910),
        (500, 2.0, 1000),
        (300, 1.5, 450),
    ],
)
def test_cyclophosphamide_rounds_to_nearest_10_mg(dose_per_m2_mg, bsa_m2, expected_mg):
    result = lymphodepletion_dose(
        drug=CYCLOPHOSPHAMIDE, dose_per_m2_mg=dose_per_m2_mg, bsa_m2=bsa_m2, weight_kg=70
    )
    assert result.dose_mg == expected_mg
    assert "(nearest 10 mg)" in result.calculation


def test_cyclophosphamide_is_not_renally_adjusted():
    result = lymphodepletion_dose(
        drug=CYCLOPHOSPHAMIDE,
        dose_per_m2_mg=500,
        bsa_m2=1.82,
        weight_kg=70,
        creatinine_clearance_ml_min=10,
    )
    assert result.dose_mg == 910
    assert result.flags == ()
    assert "CrCl" not in result.calculation


def test_fludarabine_half_mg_rounds_up():
    # 1 mg/kg × 54.5 kg = 54.5 mg → 55 mg (banker's rounding would give 54).
    result = lymphodepletion_dose(
        drug=FLUDARABINE,
        dose_per_kg_mg=1,
        bsa_m2=None,
        weight_kg=54.5,
        creatinine_clearance_ml_min=100,
    )
    assert result.dose_mg == 55
    assert result.calculation.startswith("1 mg/kg × 54.5 kg = 54.5 mg")


def test_per_kg_dose_uses_weight():
    result = lymphodepletion_dose(
        drug=CYCLOPHOSPHAMIDE, dose_per_kg_mg=14.5, bsa_m2=None, weight_kg=70
    )
    assert result.full_dose_mg == 1015
    assert result.dose_mg == 1020


def test_rounding_step_can_be_overridden():
    result = lymphodepletion_dose(
        drug=FLUDARABINE,
        dose_per_m2_mg=30,
        bsa_m2=1.82,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
        rounding_mg=0.5,
    )
    assert result.dose_mg == 54.5
    assert "(nearest 0.5 mg)" in result.calculation


_VALID_DOSE = {
    "drug": FLUDARABINE,
    "dose_per_m2_mg": 30,
    "bsa_m2": 1.82,
    "weight_kg": 70,
    "creatinine_clearance_ml_min": 90,
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"drug": "bendamustine"}, "drug"),
        ({"drug": "Fludarabine"}, "drug"),
        ({"drug": ""}, "drug"),
        ({"drug": None}, "drug"),
        ({"dose_per_kg_mg": 1}, "dose_per_m2_mg / dose_per_kg_mg"),
        ({"dose_per_m2_mg": None}, "dose_per_m2_mg / dose_per_kg_mg"),
        ({"dose_per_m2_mg": 0}, "dose_per_m2_mg"),
        ({"dose_per_m2_mg": -30}, "dose_per_m2_mg"),
        ({"dose_per_m2_mg": math.nan}, "dose_per_m2_mg"),
        ({"dose_per_m2_mg": "30"}, "dose_per_m2_mg"),
        ({"bsa_m2": None}, "bsa_m2"),
        ({"bsa_m2": 0}, "bsa_m2"),
        ({"bsa_m2": -1.8}, "bsa_m2"),
        ({"bsa_m2": 5.0}, "bsa_m2"),
        ({"weight_kg": 0}, "weight_kg"),
        ({"weight_kg": -70}, "weight_kg"),
        ({"weight_kg": 500}, "weight_kg"),
        ({"creatinine_clearance_ml_min": None}, "creatinine_clearance_ml_min"),
        ({"creatinine_clearance_ml_min": -5}, "creatinine_clearance_ml_min"),
        ({"rounding_mg": 0}, "rounding_mg"),
        ({"rounding_mg": -1}, "rounding_mg"),
    ],
)
def test_lymphodepletion_invalid_input_names_the_field(changes, field):
    with pytest.raises(ValueError, match=_starts_with(field)):
        lymphodepletion_dose(**{**_VALID_DOSE, **changes})


def test_per_kg_dose_without_weight_is_refused():
    with pytest.raises(ValueError, match=_starts_with("weight_kg")):
        lymphodepletion_dose(
            drug=CYCLOPHOSPHAMIDE, dose_per_kg_mg=14.5, bsa_m2=1.82, weight_kg=None
        )


def test_cyclophosphamide_with_negative_crcl_is_still_refused():
    with pytest.raises(ValueError, match=_starts_with("creatinine_clearance_ml_min")):
        lymphodepletion_dose(
            drug=CYCLOPHOSPHAMIDE,
            dose_per_m2_mg=500,
            bsa_m2=1.82,
            weight_kg=70,
            creatinine_clearance_ml_min=-1,
        )


# --- Regimens table -------------------------------------------------------------------------


def _regimen_doses(key: str) -> dict[str, tuple[float, tuple[int, ...]]]:
    return {item.drug: (item.dose_mg_per_m2, item.days) for item in REGIMENS[key].drugs}


def test_regimen_keys():
    assert set(REGIMENS) == {
        "relma-cel",
        "axi-cel",
        "brexu-cel-mcl",
        "tisa-cel-lbcl-fl",
        "tisa-cel-all",
        "liso-cel",
        "ide-cel",
        "cilta-cel",
        "obe-cel",
    }
    for key, regimen in REGIMENS.items():
        assert regimen.key == key


@pytest.mark.parametrize(
    ("key", "flu_mg_per_m2", "cy_mg_per_m2"),
    [
        ("relma-cel", 25, 250),
        ("tisa-cel-lbcl-fl", 25, 250),
        ("axi-cel", 30, 500),
        ("brexu-cel-mcl", 30, 500),
        ("liso-cel", 30, 300),
        ("ide-cel", 30, 300),
        ("cilta-cel", 30, 300),
    ],
)
def test_three_day_regimens_from_the_reference(key, flu_mg_per_m2, cy_mg_per_m2):
    assert _regimen_doses(key) == {
        FLUDARABINE: (flu_mg_per_m2, (-5, -4, -3)),
        CYCLOPHOSPHAMIDE: (cy_mg_per_m2, (-5, -4, -3)),
    }


@pytest.mark.parametrize("key", ["tisa-cel-all", "obe-cel"])
def test_all_regimens_flu_four_days_cy_two_days(key):
    assert _regimen_doses(key) == {
        FLUDARABINE: (30, (-6, -5, -4, -3)),
        CYCLOPHOSPHAMIDE: (500, (-6, -5)),
    }


def test_only_obe_cel_is_unverified():
    assert {key for key, regimen in REGIMENS.items() if not regimen.verified} == {"obe-cel"}
    assert "UNVERIFIED" in REGIMENS["obe-cel"].source
    assert "institutional default" in REGIMENS["obe-cel"].note


def test_regimen_table_is_well_formed():
    for regimen in REGIMENS.values():
        assert regimen.source
        assert regimen.drugs
        for item in regimen.drugs:
            assert item.drug in dosing.LYMPHODEPLETION_DRUGS
            assert item.dose_mg_per_m2 > 0
            assert item.days
            assert all(day < 0 for day in item.days)
            assert len(set(item.days)) == len(item.days)


def test_regimen_table_is_read_only():
    with pytest.raises(TypeError):
        REGIMENS["new"] = REGIMENS["axi-cel"]  # type: ignore[index]


# --- Lymphodepletion plan -------------------------------------------------------------------


def test_plan_axi_cel_across_leap_day():
    plan = plan_lymphodepletion(
        regimen_key="axi-cel",
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
        day0=date(2024, 3, 3),
    )
    assert [(p.day_number, p.calendar_date, p.drug, p.dose_mg) for p in plan] == [
        (-5, date(2024, 2, 27), CYCLOPHOSPHAMIDE, 910),
        (-5, date(2024, 2, 27), FLUDARABINE, 55),
        (-4, date(2024, 2, 28), CYCLOPHOSPHAMIDE, 910),
        (-4, date(2024, 2, 28), FLUDARABINE, 55),
        (-3, date(2024, 2, 29), CYCLOPHOSPHAMIDE, 910),
        (-3, date(2024, 2, 29), FLUDARABINE, 55),
    ]
    assert plan[1].calculation == (
        "BSA √(170 cm × 70 kg / 3600) = 1.82 m²; 30 mg/m² × 1.82 m² = 54.6 mg; "
        "CrCl 90 mL/min (> 70) → full dose; rounded to 55 mg (nearest 1 mg)"
    )
    assert all(p.warnings == () and p.flags == () for p in plan)


def test_plan_tisa_cel_all_four_plus_two_days():
    plan = plan_lymphodepletion(
        regimen_key="tisa-cel-all",
        height_cm=150,
        weight_kg=45,
        creatinine_clearance_ml_min=120,
        day0=date(2025, 1, 2),
    )
    # √(150 × 45 / 3600) = √1.875 = 1.369… → 1.37 m²
    flu = [p for p in plan if p.drug == FLUDARABINE]
    cy = [p for p in plan if p.drug == CYCLOPHOSPHAMIDE]
    assert [p.day_number for p in flu] == [-6, -5, -4, -3]
    assert [p.day_number for p in cy] == [-6, -5]
    assert [p.calendar_date for p in flu] == [
        date(2024, 12, 27),
        date(2024, 12, 28),
        date(2024, 12, 29),
        date(2024, 12, 30),
    ]
    assert {p.dose_mg for p in flu} == {41}  # 30 × 1.37 = 41.1
    assert {p.dose_mg for p in cy} == {690}  # 500 × 1.37 = 685 → 690
    assert [p.day_number for p in plan] == sorted(p.day_number for p in plan)


def test_plan_with_low_crcl_withholds_fludarabine_only():
    plan = plan_lymphodepletion(
        regimen_key="liso-cel",
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=25,
        day0=date(2024, 6, 10),
    )
    for p in plan:
        if p.drug == FLUDARABINE:
            assert p.dose_mg is None
            assert p.requires_clinician_decision is True
            assert FLAG_REQUIRES_CLINICIAN_DECISION in p.flags
        else:
            assert p.dose_mg == 550  # 300 × 1.82 = 546
            assert p.requires_clinician_decision is False


def test_plan_with_moderate_crcl_reduces_fludarabine():
    plan = plan_lymphodepletion(
        regimen_key="ide-cel",
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=50,
        day0=date(2024, 6, 10),
    )
    flu = [p for p in plan if p.drug == FLUDARABINE]
    assert {p.dose_mg for p in flu} == {44}  # 54.6 × 0.8 = 43.68
    assert all(FLAG_RENAL_ADJUSTED in p.flags for p in flu)


def test_plan_with_bsa_cap():
    plan = plan_lymphodepletion(
        regimen_key="axi-cel",
        height_cm=190,
        weight_kg=110,
        creatinine_clearance_ml_min=90,
        day0=date(2024, 6, 10),
        bsa_cap_m2=2.0,
    )
    assert {p.dose_mg for p in plan if p.drug == FLUDARABINE} == {60}
    assert {p.dose_mg for p in plan if p.drug == CYCLOPHOSPHAMIDE} == {1000}
    for p in plan:
        assert FLAG_BSA_CAPPED in p.flags
        assert "capped at 2.00 m²" in p.calculation
        assert p.warnings == ("BSA 2.41 m² capped at 2.00 m² (centre setting).",)


def test_plan_without_cap_warns_for_large_bsa():
    plan = plan_lymphodepletion(
        regimen_key="axi-cel",
        height_cm=190,
        weight_kg=110,
        creatinine_clearance_ml_min=90,
        day0=date(2024, 6, 10),
    )
    assert {p.dose_mg for p in plan if p.drug == FLUDARABINE} == {72}  # 30 × 2.41 = 72.3
    assert all(p.warnings and FLAG_BSA_CAPPED not in p.flags for p in plan)


def test_plan_for_unverified_regimen_is_flagged():
    plan = plan_lymphodepletion(
        regimen_key="obe-cel",
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
        day0=date(2024, 6, 10),
    )
    assert len(plan) == 6
    for p in plan:
        assert FLAG_UNVERIFIED_REGIMEN in p.flags
        assert any("UNVERIFIED" in w for w in p.warnings)


@pytest.mark.parametrize("key", sorted(REGIMENS))
def test_every_regimen_plans_before_day_0(key):
    plan = plan_lymphodepletion(
        regimen_key=key,
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
        day0=date(2024, 6, 10),
    )
    expected = sum(len(item.days) for item in REGIMENS[key].drugs)
    assert len(plan) == expected
    for p in plan:
        assert p.day_number < 0
        assert p.calendar_date == date(2024, 6, 10) + timedelta(days=p.day_number)
        assert p.dose_mg is not None and p.dose_mg > 0


_VALID_PLAN = {
    "regimen_key": "axi-cel",
    "height_cm": 170,
    "weight_kg": 70,
    "creatinine_clearance_ml_min": 90,
    "day0": date(2024, 6, 10),
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"regimen_key": "yescarta"}, "regimen_key"),
        ({"regimen_key": "Axi-cel"}, "regimen_key"),
        ({"regimen_key": None}, "regimen_key"),
        ({"height_cm": 0}, "height_cm"),
        ({"height_cm": 260}, "height_cm"),
        ({"weight_kg": -1}, "weight_kg"),
        ({"creatinine_clearance_ml_min": None}, "creatinine_clearance_ml_min"),
        ({"creatinine_clearance_ml_min": -1}, "creatinine_clearance_ml_min"),
        ({"day0": datetime(2024, 6, 10, 9, 0, tzinfo=UTC)}, "day0"),
        ({"day0": "2024-06-10"}, "day0"),
        ({"bsa_cap_m2": 0}, "bsa_cap_m2"),
        ({"bsa_cap_m2": -2.0}, "bsa_cap_m2"),
    ],
)
def test_plan_invalid_input_names_the_field(changes, field):
    with pytest.raises(ValueError, match=_starts_with(field)):
        plan_lymphodepletion(**{**_VALID_PLAN, **changes})


# --- Tocilizumab dose -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight_kg", "expected_mg", "capped"),
    [
        (25, 300, False),  # 12 mg/kg under 30 kg
        (10, 120, False),
        (29.9, 359, False),  # 358.8
        (30, 240, False),  # 30 kg exactly: adult 8 mg/kg
        (70, 560, False),
        (66.7, 534, False),  # 533.6
        (100, 800, False),  # exactly the maximum, not capped
        (100.01, 800, True),
        (120, 800, True),
        (350, 800, True),
    ],
)
def test_tocilizumab_dose(weight_kg, expected_mg, capped):
    result = tocilizumab_dose(weight_kg=weight_kg)
    assert result.drug == "tocilizumab"
    assert result.dose_mg == expected_mg
    assert (FLAG_CAPPED_AT_MAX_DOSE in result.flags) is capped


def test_tocilizumab_calculation_text():
    assert tocilizumab_dose(weight_kg=25).calculation == (
        "12 mg/kg (weight < 30 kg) × 25 kg = 300 mg; rounded to 300 mg (nearest 1 mg)"
    )
    assert tocilizumab_dose(weight_kg=120).calculation == (
        "8 mg/kg × 120 kg = 960 mg; capped at the 800 mg maximum dose"
    )


@pytest.mark.parametrize("weight_kg", [0, -70, 0.5, 351, math.nan, math.inf, None, "70", True])
def test_tocilizumab_invalid_weight(weight_kg):
    with pytest.raises(ValueError, match=_starts_with("weight_kg")):
        tocilizumab_dose(weight_kg=weight_kg)


# --- Tocilizumab dose limits ----------------------------------------------------------------

T0 = datetime(2024, 6, 10, 8, 0, tzinfo=UTC)


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_first_dose_allowed():
    result = tocilizumab_dose_allowed(given_at=[], at=T0)
    assert result.allowed is True
    assert result.doses_total == 0
    assert result.reason.startswith("First dose")


def test_second_dose_exactly_8_h_later_allowed():
    result = tocilizumab_dose_allowed(given_at=[T0], at=_h(8))
    assert result.allowed is True
    assert result.doses_in_last_24_h == 1
    assert "8 h since the previous dose" in result.reason


def test_dose_7_h_after_previous_refused():
    result = tocilizumab_dose_allowed(given_at=[T0], at=_h(7))
    assert result.allowed is False
    assert "Only 7 h since the previous dose" in result.reason
    assert result.next_allowed_at == _h(8)


def test_dose_7_h_59_min_after_previous_refused():
    result = tocilizumab_dose_allowed(given_at=[T0], at=T0 + timedelta(hours=7, minutes=59))
    assert result.allowed is False
    assert "7 h 59 min" in result.reason


def test_fourth_dose_within_24_h_refused():
    # Three doses recorded close together (e.g. given elsewhere); 8 h after the last one the
    # interval rule is met, but the 24 h limit is not.
    result = tocilizumab_dose_allowed(given_at=[T0, _h(1), _h(2)], at=_h(10))
    assert result.allowed is False
    assert result.doses_in_last_24_h == 3
    assert "at most 3 in any 24 h" in result.reason
    assert "since the previous dose" not in result.reason
    assert result.next_allowed_at == _h(24)


def test_fourth_dose_when_first_is_exactly_24_h_old_allowed():
    result = tocilizumab_dose_allowed(given_at=[T0, _h(8), _h(16)], at=_h(24))
    assert result.allowed is True
    assert result.doses_in_last_24_h == 2


def test_fourth_dose_a_minute_early_refused_for_both_reasons():
    at = _h(24) - timedelta(minutes=1)
    result = tocilizumab_dose_allowed(given_at=[T0, _h(8), _h(16)], at=at)
    assert result.allowed is False
    assert "at most 3 in any 24 h" in result.reason
    assert "since the previous dose" in result.reason
    assert result.next_allowed_at == _h(24)


def test_fifth_dose_refused_for_good():
    result = tocilizumab_dose_allowed(given_at=[T0, _h(8), _h(16), _h(40)], at=_h(100))
    assert result.allowed is False
    assert result.doses_total == 4
    assert "at most 4 in total" in result.reason
    assert result.next_allowed_at is None


def test_order_of_given_at_does_not_matter():
    result = tocilizumab_dose_allowed(given_at=[_h(16), T0, _h(8)], at=_h(20))
    assert result.allowed is False
    assert result.next_allowed_at == _h(24)


def test_interval_counts_real_hours_across_dst_change():
    # Paris springs forward at 02:00 on 31 March 2024: 00:30 → 08:30 on the clock is 7 h.
    before = datetime(2024, 3, 31, 0, 30, tzinfo=PARIS)
    at = datetime(2024, 3, 31, 8, 30, tzinfo=PARIS)
    result = tocilizumab_dose_allowed(given_at=[before], at=at)
    assert result.allowed is False
    assert "Only 7 h" in result.reason
    assert result.next_allowed_at == datetime(2024, 3, 31, 9, 30, tzinfo=PARIS)
    assert result.next_allowed_at.tzinfo is PARIS


def test_mixed_timezones_compare_as_instants():
    given = datetime(2024, 6, 10, 10, 0, tzinfo=timezone(timedelta(hours=2)))  # 08:00 UTC
    assert tocilizumab_dose_allowed(given_at=[given], at=_h(8)).allowed is True
    assert tocilizumab_dose_allowed(given_at=[given], at=_h(7)).allowed is False


@pytest.mark.parametrize(
    ("given_at", "at", "field"),
    [
        ([], datetime(2024, 6, 10, 8, 0), "at"),
        ([datetime(2024, 6, 10, 8, 0)], _h(10), "given_at"),
        ([date(2024, 6, 10)], _h(10), "given_at"),
        (["2024-06-10T08:00Z"], _h(10), "given_at"),
        ("2024-06-10T08:00Z", _h(10), "given_at"),
        (None, _h(10), "given_at"),
        ([_h(11)], _h(10), "given_at"),
        ([], date(2024, 6, 10), "at"),
    ],
)
def test_tocilizumab_limits_invalid_input(given_at, at, field):
    with pytest.raises(ValueError, match=_starts_with(field)):
        tocilizumab_dose_allowed(given_at=given_at, at=at)


# --- Day numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day0", "on", "expected"),
    [
        (date(2024, 6, 10), date(2024, 6, 10), 0),
        (date(2024, 6, 10), date(2024, 6, 5), -5),
        (date(2024, 1, 31), date(2024, 2, 1), 1),  # month end
        (date(2024, 4, 30), date(2024, 5, 14), 14),
        (date(2025, 1, 2), date(2024, 12, 28), -5),  # year end
        (date(2024, 3, 1), date(2024, 2, 28), -2),  # through 29 February
        (date(2023, 3, 1), date(2023, 2, 28), -1),  # no leap day
        (date(2024, 2, 29), date(2024, 3, 14), 14),
        (date(2024, 3, 28), date(2024, 4, 11), 14),  # spring DST change (31 March)
        (date(2024, 10, 29), date(2024, 10, 24), -5),  # autumn DST change (27 October)
        (date(2024, 3, 31), date(2024, 3, 30), -1),  # Day 0 on the DST change itself
    ],
)
def test_day_number(day0, on, expected):
    assert day_number(day0=day0, on=on) == expected
    assert date_of_day(day0=day0, day=expected) == on


def test_date_of_day_lands_on_leap_day():
    assert date_of_day(day0=date(2024, 3, 3), day=-3) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("n", "text"),
    [(-5, f"Day {MINUS}5"), (-1, f"Day {MINUS}1"), (0, "Day 0"), (1, "Day +1"), (14, "Day +14")],
)
def test_format_day(n, text):
    assert format_day(n) == text


def test_format_day_uses_true_minus_sign_not_hyphen():
    assert "-" not in format_day(-6)
    assert "\u2212" in format_day(-6)


@pytest.mark.parametrize("n", [1.0, True, "5", None])
def test_format_day_invalid(n):
    with pytest.raises(ValueError, match=_starts_with("n")):
        format_day(n)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"day0": datetime(2024, 3, 31, 1, 0, tzinfo=PARIS), "on": date(2024, 4, 1)}, "day0"),
        ({"day0": date(2024, 3, 31), "on": datetime(2024, 4, 1, 1, 0, tzinfo=PARIS)}, "on"),
        ({"day0": "2024-03-31", "on": date(2024, 4, 1)}, "day0"),
        ({"day0": date(2024, 3, 31), "on": None}, "on"),
    ],
)
def test_day_number_refuses_datetimes_and_strings(kwargs, field):
    with pytest.raises(ValueError, match=_starts_with(field)):
        day_number(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"day0": date(2024, 3, 31), "day": 1.5}, "day"),
        ({"day0": date(2024, 3, 31), "day": True}, "day"),
        ({"day0": datetime(2024, 3, 31, tzinfo=UTC), "day": 1}, "day0"),
    ],
)
def test_date_of_day_invalid(kwargs, field):
    with pytest.raises(ValueError, match=_starts_with(field)):
        date_of_day(**kwargs)


# --- Properties -----------------------------------------------------------------------------

weights_kg = st.floats(min_value=1, max_value=350, allow_nan=False, allow_infinity=False)
heights_cm = st.floats(min_value=40, max_value=250, allow_nan=False, allow_infinity=False)


@given(weight_kg=weights_kg)
def test_property_tocilizumab_never_above_800_mg(weight_kg):
    result = tocilizumab_dose(weight_kg=weight_kg)
    assert result.dose_mg is not None
    assert 0 < result.dose_mg <= 800


@given(
    crcl=st.floats(min_value=0, max_value=250, allow_nan=False),
    dose_per_m2_mg=st.sampled_from([25, 30]),
    bsa_m2=st.decimals(min_value="0.5", max_value="3.0", places=2).map(float),
)
def test_property_renal_adjusted_fludarabine_never_above_full_dose(crcl, dose_per_m2_mg, bsa_m2):
    common = {"drug": FLUDARABINE, "dose_per_m2_mg": dose_per_m2_mg, "bsa_m2": bsa_m2}
    full = lymphodepletion_dose(**common, weight_kg=70, creatinine_clearance_ml_min=100)
    adjusted = lymphodepletion_dose(**common, weight_kg=70, creatinine_clearance_ml_min=crcl)
    if crcl < 30:
        assert adjusted.dose_mg is None and adjusted.requires_clinician_decision
        return
    assert adjusted.dose_mg is not None and full.dose_mg is not None
    assert adjusted.dose_mg <= full.dose_mg
    assert adjusted.unrounded_dose_mg <= adjusted.full_dose_mg
    if crcl < 70:
        expected = Decimal(str(dose_per_m2_mg)) * Decimal(str(bsa_m2)) * Decimal("0.8")
        assert adjusted.unrounded_dose_mg == float(expected)


@given(height_cm=heights_cm, weight_a=weights_kg, weight_b=weights_kg)
def test_property_bsa_monotonic_in_weight(height_cm, weight_a, weight_b):
    light, heavy = sorted((weight_a, weight_b))
    bsa_light = dosing_bsa(height_cm=height_cm, weight_kg=light)
    bsa_heavy = dosing_bsa(height_cm=height_cm, weight_kg=heavy)
    assert bsa_light.uncapped_bsa_m2 <= bsa_heavy.uncapped_bsa_m2
    assert bsa_light.bsa_m2 <= bsa_heavy.bsa_m2


@given(height_cm=heights_cm, weight_kg=weights_kg, cap_m2=st.floats(min_value=1.0, max_value=3))
def test_property_capped_bsa_never_above_cap(height_cm, weight_kg, cap_m2):
    result = dosing_bsa(height_cm=height_cm, weight_kg=weight_kg, cap_m2=cap_m2)
    assert result.bsa_m2 <= cap_m2
    assert result.bsa_m2 <= result.uncapped_bsa_m2
    assert result.capped == (result.bsa_m2 < result.uncapped_bsa_m2)


@given(
    day0=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    n=st.integers(min_value=-400, max_value=6000),
)
def test_property_day_number_round_trips(day0, n):
    on = date_of_day(day0=day0, day=n)
    assert day_number(day0=day0, on=on) == n
    text = format_day(n)
    assert int(text.removeprefix("Day ").replace(MINUS, "-")) == n


@given(gaps_min=st.lists(st.integers(min_value=1, max_value=36 * 60), max_size=20))
def test_property_doses_given_only_when_allowed_respect_every_limit(gaps_min):
    # Ask at arbitrary times; give a dose only when allowed. The resulting history must keep
    # every limit from clinical reference §3.
    given_at: list[datetime] = []
    at = T0
    for gap in gaps_min:
        if tocilizumab_dose_allowed(given_at=given_at, at=at).allowed:
            given_at.append(at)
        at += timedelta(minutes=gap)
    assert len(given_at) <= 4
    for earlier, later in zip(given_at, given_at[1:], strict=False):
        assert later - earlier >= timedelta(hours=8)
    for end in given_at:
        assert sum(1 for t in given_at if end - timedelta(hours=24) < t <= end) <= 3
