"""Lab units (issue 16 item 9): pure conversions and plausibility, no database."""

from decimal import Decimal

import pytest

from core import units


@pytest.mark.parametrize(
    ("quantity", "value", "unit", "canonical"),
    [
        ("haemoglobin", "105", "g_l", Decimal("10.5")),  # 1 g/dL = 10 g/L
        ("crp", "12", "mg_l", Decimal("1.2")),  # 1 mg/dL = 10 mg/L
        ("bilirubin", "17.1", "umol_l", Decimal("1.00")),  # 1 mg/dL = 17.1 µmol/L
        ("ferritin", "650", "ug_l", Decimal("650")),  # 1 ng/mL = 1 µg/L
        ("platelets", "75000", "per_ul", Decimal("75")),  # 10⁹/L = 1000/µL
        ("temperature", "101.3", "f", Decimal("38.5")),  # (°F − 32) × 5/9
    ],
)
def test_si_and_us_units_convert_to_the_stored_unit(quantity, value, unit, canonical):
    assert units.to_canonical(quantity, value, unit, places=2) == canonical.quantize(
        Decimal("0.01")
    )


def test_a_crp_in_mg_l_adds_no_false_car_hematotox_point():
    """CAR-HEMATOTOX (Rejeski, Blood 2021): CRP ≥ 3.0 mg/dL scores 1. 12 mg/L is 1.2 mg/dL."""
    from eligibility import rules

    crp = units.to_canonical("crp", "12", "mg_l")
    component = rules.hematotox_score(
        anc_10e9_l=Decimal("2"),
        haemoglobin_g_dl=Decimal("11"),
        platelets_10e9_l=Decimal("200"),
        crp_mg_dl=crp,
        ferritin_ng_ml=Decimal("300"),
    )
    assert component.score == 0


def test_temperature_372_is_not_possible_did_you_mean_37_2():
    problem = units.check("temperature", "372", "c")
    assert problem.message == "Temperature 372 °C is not possible — did you mean 37.2?"
    with pytest.raises(ValueError, match="did you mean 37.2"):
        units.to_canonical("temperature", "372", "c")


def test_haemoglobin_typed_in_g_l_into_g_dl_is_caught():
    problem = units.check("haemoglobin", "105", "g_dl")
    assert problem is not None and "did you mean 10.5" in problem.message


def test_a_plausible_value_has_no_problem_and_unknown_units_are_refused():
    assert units.check("crp", "45", "mg_l") is None
    with pytest.raises(ValueError, match="unit must be one of"):
        units.check("crp", "4", "mmol_l")


def test_defaults_si_for_a_chinese_centre_and_us_units():
    assert units.default_unit("crp") == "mg_l" and units.default_unit("haemoglobin") == "g_l"
    assert units.default_unit("crp", units.US) == "mg_dl"
