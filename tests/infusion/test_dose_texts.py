"""Issue 17: the dose calculations, warnings, clearance method and deviations are written as
codes with parameters and said in the reader's language. The English the pure rules write next
to the codes is the codes' English wording, word for word, so English pages are unchanged."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, override
from rest_framework.test import APIClient

from catalogue.dosing import tocilizumab_dose, tocilizumab_dose_allowed
from catalogue.regimens import FLUDARA_OLDER_LABEL
from core import system_text
from infusion import services
from infusion.dosing import (
    CYCLOPHOSPHAMIDE,
    FLUDARABINE,
    dosing_bsa,
    fludarabine_renal_adjustment,
    lymphodepletion_dose,
    plan_lymphodepletion,
)
from infusion.renal import ACTUAL, ADJUSTED, IDEAL, MG_DL, UMOL_L, cockcroft_gault
from infusion.rules import administration_deviation

from .conftest import DAY0, TODAY, at


def _registered(texts) -> bool:
    known = system_text.codes()
    return bool(texts) and all(t["code"] in known for t in texts)


def _english(texts, separator=None) -> str:
    with override("en"):
        return system_text.say(list(texts), separator=separator)


def _chinese(texts, separator=None) -> str:
    with override("zh-hans"):
        return system_text.say(list(texts), separator=separator)


DOSES = {
    "flu full dose": dict(drug=FLUDARABINE, dose_per_m2_mg=30, creatinine_clearance_ml_min=90),
    "flu reduced": dict(drug=FLUDARABINE, dose_per_m2_mg=30, creatinine_clearance_ml_min=55),
    "flu decision": dict(drug=FLUDARABINE, dose_per_m2_mg=30, creatinine_clearance_ml_min=25),
    "flu older band": dict(
        drug=FLUDARABINE,
        dose_per_m2_mg=30,
        creatinine_clearance_ml_min=60,
        renal_table=FLUDARA_OLDER_LABEL,
    ),
    "flu older band not lower": dict(
        drug=FLUDARABINE,
        dose_per_m2_mg=15,
        creatinine_clearance_ml_min=60,
        renal_table=FLUDARA_OLDER_LABEL,
    ),
    "cy": dict(drug=CYCLOPHOSPHAMIDE, dose_per_m2_mg=500),
    "per kg": dict(
        drug=FLUDARABINE, dose_per_kg_mg=1, bsa_m2=None, creatinine_clearance_ml_min=100
    ),
}


@pytest.mark.parametrize("case", DOSES)
def test_every_dose_step_is_a_code_whose_english_is_the_calculation(case):
    result = lymphodepletion_dose(**{"bsa_m2": 1.82, "weight_kg": 70, **DOSES[case]})
    assert _registered(result.steps)
    assert _english(result.steps) == result.calculation
    chinese = _chinese(result.steps)
    assert chinese != result.calculation and "；" in chinese
    assert "rounded" not in chinese and "full dose" not in chinese


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(height_cm=170, weight_kg=70),
        dict(height_cm=170, weight_kg=70, cap_m2=1.5),
        dict(height_cm=170, weight_kg=70, warn_above_m2=1.8),
    ],
)
def test_bsa_step_and_warnings_are_codes(kwargs):
    result = dosing_bsa(**kwargs)
    assert _registered(result.steps) and _english(result.steps) == result.calculation
    assert [_english([w]) for w in result.warning_texts] == list(result.warnings)
    assert _chinese(result.steps).startswith("体表面积 √(170 cm × 70 kg / 3600) = 1.82 m²")


def test_bsa_warnings_in_chinese():
    capped = dosing_bsa(height_cm=170, weight_kg=70, cap_m2=1.5)
    assert _chinese(capped.warning_texts) == "体表面积 1.82 m² 按本中心设置封顶为 1.50 m²。"
    above = dosing_bsa(height_cm=170, weight_kg=70, warn_above_m2=1.8)
    assert _chinese(above.warning_texts).startswith("体表面积 1.82 m² 超过 1.8 m²")


def test_a_planned_dose_carries_the_bsa_and_the_dose_steps():
    plan = plan_lymphodepletion(
        regimen_key="obe-cel",  # unverified: a warning
        height_cm=170,
        weight_kg=70,
        creatinine_clearance_ml_min=90,
        day0=date(2026, 6, 20),
    )
    for dose in plan:
        assert _english(dose.steps) == dose.calculation
        assert [_english([w]) for w in dose.warning_texts] == list(dose.warnings)
    assert "方案 obe-cel 未核实" in _chinese(plan[0].warning_texts)


@pytest.mark.parametrize(
    ("crcl", "table"),
    [(90, None), (55, None), (25, None), (85, FLUDARA_OLDER_LABEL), (60, FLUDARA_OLDER_LABEL)],
)
def test_renal_reasons_are_codes(crcl, table):
    extra = {"table": table} if table else {}
    result = fludarabine_renal_adjustment(creatinine_clearance_ml_min=crcl, **extra)
    assert _registered([result.reason_text])
    assert _english([result.reason_text]) == result.reason
    assert _chinese([result.reason_text]).startswith(f"肌酐清除率 {crcl} mL/min")


@pytest.mark.parametrize(
    ("sex", "basis", "creatinine", "unit"),
    [("M", ACTUAL, "1.00", MG_DL), ("F", IDEAL, "88.4", UMOL_L), ("O", ADJUSTED, "70", UMOL_L)],
)
def test_cockcroft_gault_method_is_a_code(sex, basis, creatinine, unit):
    result = cockcroft_gault(
        age_years=50,
        sex=sex,
        weight_kg=Decimal("80"),
        height_cm=Decimal("175"),
        creatinine=creatinine,
        creatinine_unit=unit,
        weight_basis=basis,
    )
    assert _english([result.method_text]) == result.method
    chinese = _chinese([result.method_text])
    assert chinese.startswith("Cockcroft–Gault 公式：(140 − 50 岁)") and "体重" in chinese


def test_a_deviation_is_codes():
    deviation = administration_deviation(
        planned_mg=Decimal("910.0"),
        given_mg=Decimal("700"),
        planned_on=date(2026, 6, 15),
        given_on=date(2026, 6, 16),
    )
    assert _registered(deviation.texts)
    assert _english(deviation.texts) == deviation.message
    assert _chinese(deviation.texts) == (
        "实际给予 700 mg，计划 910.0 mg（相差 23.1% > 5%）；"
        "于 2026-06-16 给予，计划日期为 2026-06-15"
    )


@pytest.mark.parametrize("weight_kg", [25, 70, 120])
def test_tocilizumab_steps_are_codes(weight_kg):
    result = tocilizumab_dose(weight_kg=weight_kg)
    assert _registered(result.steps) and _english(result.steps) == result.calculation
    assert "mg/kg" in _chinese(result.steps) and "rounded" not in _chinese(result.steps)


T0 = datetime(2024, 6, 10, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours_given", "hours_now"),
    [
        ([], 0),
        ([0], 8),
        ([0], 7),
        ([0], 7 + 59 / 60),
        ([0, 1, 2], 10),
        ([0, 9, 18, 27], 40),
    ],
)
def test_tocilizumab_reasons_are_codes(hours_given, hours_now):
    result = tocilizumab_dose_allowed(
        given_at=[T0 + timedelta(hours=h) for h in hours_given],
        at=T0 + timedelta(hours=hours_now),
    )
    assert _registered(result.reasons)
    assert _english(result.reasons, separator=" ") == result.reason
    assert "dose" not in _chinese(result.reasons, separator=" ")


def test_tocilizumab_refusal_in_chinese():
    result = tocilizumab_dose_allowed(given_at=[T0], at=T0 + timedelta(hours=7, minutes=30))
    assert _chinese(result.reasons) == "距上一剂仅 7 小时 30 分钟；至少需间隔 8 小时。"


# --- Pages and API ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A Chinese reader's request leaves Chinese active in the thread (the middleware activates
    her language and nothing deactivates it); the tests after these must start in English."""
    yield
    translation.deactivate()


def _chinese_reader(user):
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    return user


def _plan_page(client, user, course) -> str:
    client.force_login(user)
    return client.get(reverse("infusion:plan", args=[course.pk])).content.decode()


@pytest.mark.django_db
class TestPlanPage:
    def test_a_chinese_reader_sees_the_calculation_in_chinese(
        self, client, dr_ben, planned, course
    ):
        page = _plan_page(client, _chinese_reader(dr_ben), course)
        assert "500 mg/m² × 体表面积 1.82 m² = 910 mg" in page
        assert "取整为 910 mg（按 10 mg 取整）" in page
        assert "肌酐清除率 90 mL/min（&gt; 70）→ 全量" in page
        assert "rounded to" not in page and "full dose" not in page
        assert "肌酐清除率由临床医生输入。" in page

    def test_an_english_reader_sees_the_same_english_as_before(
        self, client, dr_ben, planned, course
    ):
        page = _plan_page(client, dr_ben, course)
        assert "500 mg/m² × 1.82 m² = 910 mg; rounded to 910 mg (nearest 10 mg)" in page
        assert "Creatinine clearance entered by the clinician." in page
        dose = planned.doses.get(drug=CYCLOPHOSPHAMIDE, day_number=-5)
        assert dose.calculation == (
            "BSA √(170 cm × 70 kg / 3600) = 1.82 m²; 500 mg/m² × 1.82 m² = 910 mg; "
            "rounded to 910 mg (nearest 10 mg)"
        )

    def test_the_prose_columns_stay_english_whoever_wrote_them(self, dr_ben, course, settings):
        settings.BSA_WARN_ABOVE_M2 = 1.5
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        with override("zh-hans"):
            plan = services.plan_create(by=dr_ben, course=course, crcl_ml_min=Decimal("90"))
        assert plan.crcl_method == "Creatinine clearance entered by the clinician."
        assert plan.warnings[0].startswith("BSA 1.82 m² is above 1.5 m²")

    def test_warnings_and_cockcroft_gault_in_chinese(self, client, dr_ben, course, settings):
        settings.BSA_WARN_ABOVE_M2 = 1.5
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        services.plan_create(
            by=dr_ben,
            course=course,
            creatinine=Decimal("1.00"),
            creatinine_unit=MG_DL,
            creatinine_drawn_on=TODAY,
        )
        page = _plan_page(client, _chinese_reader(dr_ben), course)
        assert "体表面积 1.82 m² 超过 1.5 m²" in page
        assert "Cockcroft–Gault 公式" in page and "70.0 kg（实际体重）" in page
        assert "actual weight" not in page
        assert "美国氟达拉滨磷酸酯注射液说明书" in page and "injection label" not in page

    def test_a_deviation_in_chinese(self, client, dr_ben, nurse_ada, verified, course):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.get(drug=CYCLOPHOSPHAMIDE, day_number=-5)
        services.administration_record(
            by=nurse_ada,
            dose=dose,
            given_at=at(TODAY, 7, 30),
            dose_given_mg=Decimal("700"),
            batch_number="CY-9",
            deviation_reason="泵故障",
        )
        page = _plan_page(client, _chinese_reader(dr_ben), course)
        assert "实际给予 700 mg，计划 910.0 mg" in page and "泵故障" in page
        assert "mg given" not in page

    def test_the_decision_page_shows_the_calculation_in_chinese(self, client, dr_ben, course):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = services.plan_create(by=dr_ben, course=course, crcl_ml_min=Decimal("20"))
        dose = plan.doses.filter(drug=FLUDARABINE).first()
        client.force_login(_chinese_reader(dr_ben))
        page = client.get(reverse("infusion:dose_decide", args=[dose.pk])).content.decode()
        assert "未经临床医生决定不得给药" in page


@pytest.mark.django_db
class TestPlanApi:
    def _plan(self, dr_ben, course, language):
        client = APIClient()
        client.force_authenticate(dr_ben)
        response = client.get(
            f"/api/lymphodepletion-plans/?course={course.pk}", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200
        body = response.json()
        return (body["results"] if isinstance(body, dict) else body)[0]

    def test_english(self, dr_ben, planned, course):
        plan = self._plan(dr_ben, course, "en")
        assert plan["crcl_method"] == "Creatinine clearance entered by the clinician."
        cy = next(d for d in plan["doses"] if d["drug"] == CYCLOPHOSPHAMIDE)
        assert cy["calculation"].endswith("rounded to 910 mg (nearest 10 mg)")
        assert cy["calculation_text"][-1] == {
            "code": "catalogue.dose_rounded",
            "params": {"dose": "910", "step": "10"},
        }

    def test_chinese(self, dr_ben, planned, course):
        plan = self._plan(dr_ben, course, "zh-hans")
        assert plan["crcl_method"] == "肌酐清除率由临床医生输入。"
        cy = next(d for d in plan["doses"] if d["drug"] == CYCLOPHOSPHAMIDE)
        assert cy["calculation"].endswith("取整为 910 mg（按 10 mg 取整）")


@pytest.mark.parametrize(
    ("ended", "first"),
    [
        (None, None),
        (date(2026, 6, 1), None),
        (date(2026, 6, 10), date(2026, 6, 14)),
        (date(2026, 6, 1), date(2026, 6, 14)),
    ],
)
def test_bridging_timing_is_a_code(ended, first):
    from infusion.rules import bridging_timing

    result = bridging_timing(bridging_ended_on=ended, first_lymphodepletion_on=first)
    assert _registered([result.text]) and _english([result.text]) == result.message
    assert "ridging" not in _chinese([result.text])


def test_the_renal_tables_names_are_translated():
    from infusion.dosing import RENAL_TABLE_SOURCES
    from infusion.texts import RENAL_TABLE_NAMES

    assert set(RENAL_TABLE_SOURCES.values()) == set(RENAL_TABLE_NAMES)
    with override("zh-hans"):
        assert all(gettext(name) != name for name in RENAL_TABLE_NAMES)
