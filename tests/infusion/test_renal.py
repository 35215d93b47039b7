"""Creatinine clearance for fludarabine (issue 16 item 8): pure rules, sources in the names."""

from datetime import date
from decimal import Decimal

import pytest

from infusion import dosing, renal


def test_cockcroft_gault_1976_worked_example_man_60_72kg_creatinine_1_mg_dl_is_80():
    """Cockcroft & Gault, Nephron 1976: (140 − 60) × 72 / (72 × 1.0) = 80 mL/min."""
    r = renal.cockcroft_gault(
        age_years=60, sex="M", weight_kg=72, creatinine="1.0", creatinine_unit=renal.MG_DL
    )
    assert r.crcl_ml_min == Decimal("80.0")
    assert "actual weight" in r.method and "Cockcroft–Gault" in r.method


def test_cockcroft_gault_women_times_0_85_and_umol_per_l_input():
    """88.4 µmol/L = 1.00 mg/dL; the female factor 0.85: 80 × 0.85 = 68 mL/min."""
    r = renal.cockcroft_gault(
        age_years=60, sex="F", weight_kg=72, creatinine=88.4, creatinine_unit=renal.UMOL_L
    )
    assert (r.crcl_ml_min, r.creatinine_mg_dl) == (Decimal("68.0"), Decimal("1.00"))
    assert "0.85" in r.method


def test_cockcroft_gault_unknown_sex_uses_the_lower_female_factor():
    r = renal.cockcroft_gault(
        age_years=60, sex="U", weight_kg=72, creatinine=1, creatinine_unit=renal.MG_DL
    )
    assert r.crcl_ml_min == Decimal("68.0")


def test_cockcroft_gault_ideal_weight_devine_is_stated():
    """Devine ideal weight, man 180 cm: 50 + 0.9 × 27.6 = 74.84 kg."""
    r = renal.cockcroft_gault(
        age_years=60,
        sex="M",
        weight_kg=120,
        creatinine=1,
        creatinine_unit=renal.MG_DL,
        height_cm=180,
        weight_basis=renal.IDEAL,
    )
    assert r.weight_used_kg == Decimal("74.8") and "ideal weight" in r.method


@pytest.mark.parametrize(("value", "unit"), [("88", renal.MG_DL), ("0.9", renal.UMOL_L)])
def test_a_creatinine_in_the_wrong_unit_is_refused_with_the_likely_unit(value, unit):
    with pytest.raises(ValueError, match="was it measured in"):
        renal.creatinine_umol_l(value, unit)


@pytest.mark.parametrize(
    ("drawn", "too_old"),
    [(date(2026, 6, 8), False), (date(2026, 6, 7), True)],
    ids=["7-days-is-fine", "8-days-is-too-old"],
)
def test_creatinine_older_than_the_7_day_institutional_limit(drawn, too_old):
    assert renal.creatinine_too_old(drawn_on=drawn, today=date(2026, 6, 15)) is too_old


@pytest.mark.parametrize(
    ("crcl", "factor", "decision"),
    [(70.1, 1.0, False), (70, 0.8, False), (30, 0.8, False), (29.9, None, True)],
)
def test_us_fludarabine_label_bands_30_to_70_inclusive_minus_20_percent(crcl, factor, decision):
    """US fludarabine phosphate injection label: CrCl 30–70 mL/min → −20%; < 30 clinician."""
    a = dosing.fludarabine_renal_adjustment(creatinine_clearance_ml_min=crcl)
    assert (a.dose_factor, a.requires_clinician_decision) == (factor, decision)


@pytest.mark.parametrize(
    ("crcl", "mg_per_m2", "decision"),
    [(80, None, False), (79.9, 20, False), (50, 20, False), (49, 15, False), (29, None, True)],
)
def test_older_fludara_label_bands_as_an_alternative_table(crcl, mg_per_m2, decision):
    """Older Fludara label: ≥ 80 full; 50–79 → 20 mg/m²; 30–49 → 15 mg/m²; < 30 not given."""
    a = dosing.fludarabine_renal_adjustment(
        creatinine_clearance_ml_min=crcl, table=dosing.FLUDARA_OLDER_LABEL
    )
    assert (a.dose_mg_per_m2, a.requires_clinician_decision) == (mg_per_m2, decision)


def test_the_dose_calculator_applies_the_older_table_as_an_absolute_dose():
    dose = dosing.lymphodepletion_dose(
        drug=dosing.FLUDARABINE,
        dose_per_m2_mg=30,
        bsa_m2=2.0,
        weight_kg=80,
        creatinine_clearance_ml_min=60,
        renal_table=dosing.FLUDARA_OLDER_LABEL,
    )
    assert dose.dose_mg == 40.0 and dosing.FLAG_RENAL_ADJUSTED in dose.flags


def test_the_dose_calculator_has_no_copy_of_the_bands():
    """Issue 15: production bypassed fludarabine_renal_adjustment with a copy of the bands."""
    import inspect

    source = inspect.getsource(dosing.lymphodepletion_dose)
    assert "fludarabine_renal_adjustment(" in source and "_renal_band(" not in source
