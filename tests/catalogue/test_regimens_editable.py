"""Lymphodepletion regimens are catalogue rows (issue 15 item 2): administrators edit a drug's
dose and days in the admin with history, auditors read, and a NEW plan reads the edit through
catalogue.selectors.regimen while plans already calculated keep their doses."""

from decimal import Decimal

import pytest

from catalogue import selectors
from catalogue.models import RegimenDose
from catalogue.regimens import FLUDARABINE, REGIMENS
from infusion import services
from tests.infusion.conftest import (  # noqa: F401 (fixtures)
    DAY0,
    course,
    course_in_manufacturing,
    frozen,
    planned,
    verified,
)

pytestmark = pytest.mark.django_db


def _change_url(row: RegimenDose) -> str:
    return f"/admin/catalogue/regimendose/{row.pk}/change/"


def _form(row: RegimenDose, **changes) -> dict:
    form = {
        "dose_mg_per_m2": str(row.dose_mg_per_m2),
        "days": row.days,
        "source": row.source,
        "verified": "on" if row.verified else "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v != ""}


def _flu_row(key: str = "axi-cel") -> RegimenDose:
    return RegimenDose.objects.get(regimen_key=key, drug=FLUDARABINE)


@pytest.mark.parametrize("key", sorted(REGIMENS))
def test_without_edits_every_regimen_equals_the_code_table(key):
    assert selectors.regimen(key) == REGIMENS[key]
    assert RegimenDose.objects.filter(regimen_key=key).count() == len(REGIMENS[key].drugs)


def test_administrator_sets_fludarabine_to_25_and_a_new_plan_uses_it(
    client,
    admin_alex,
    verified,  # noqa: F811 (fixture)
    patient_7b,
    dr_ben,
):
    row = _flu_row()
    client.force_login(admin_alex)
    response = client.post(
        _change_url(row), _form(row, dose_mg_per_m2="25", source="Institutional protocol 2026")
    )
    assert response.status_code == 302, response.content[:2000]

    latest = RegimenDose.history.filter(id=row.pk).latest()
    assert latest.history_user == admin_alex
    assert latest.dose_mg_per_m2 == Decimal("25")
    flu = {d.drug: d for d in selectors.regimen("axi-cel").drugs}[FLUDARABINE]
    assert flu.dose_mg_per_m2 == 25

    # The verified plan keeps what was calculated and signed.
    verified.refresh_from_db()
    old = {d.dose_mg_per_m2 for d in verified.doses.filter(drug=FLUDARABINE)}
    assert old == {Decimal("30")}

    # A new plan for the regimen uses 25 mg/m².
    other = course_in_manufacturing(patient_7b, dr_ben)
    services.day0_change(by=dr_ben, course=other, new_date=DAY0)
    plan = services.plan_create(by=dr_ben, course=other, crcl_ml_min=Decimal("90"))
    assert plan.regimen_key == "axi-cel"
    new = {d.dose_mg_per_m2 for d in plan.doses.filter(drug=FLUDARABINE)}
    assert new == {Decimal("25")}
    assert {d.day_number for d in plan.doses.filter(drug=FLUDARABINE)} == {-5, -4, -3}


def test_unticking_verified_marks_the_regimen_unverified_in_a_new_plan(admin_alex):
    from catalogue import services as catalogue_services

    row = _flu_row()
    row.verified = False
    catalogue_services.catalogue_row_save(by=admin_alex, row=row)
    assert selectors.regimen("axi-cel").verified is False
    # The plan pages' name, source and badge read the same catalogue regimen.
    from infusion.models import LymphodepletionPlan

    assert LymphodepletionPlan(regimen_key="axi-cel").regimen.verified is False


def test_auditor_gets_403_on_change(client, auditor_cara):
    row = _flu_row()
    client.force_login(auditor_cara)
    assert client.get("/admin/catalogue/regimendose/").status_code == 200
    assert client.get(f"/admin/catalogue/regimendose/{row.pk}/history/").status_code == 200
    response = client.post(_change_url(row), _form(row, dose_mg_per_m2="25"))
    assert response.status_code == 403
    assert _flu_row().dose_mg_per_m2 == Decimal("30")


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("-3,-4,-5", "ascending order"),
        ("-5,-4,0", "before Day 0"),
        ("-15,-4,-3", "before Day 0"),
        ("-5,-5,-3", "ascending order"),
        ("five", "whole numbers"),
        ("-5,,-3", "whole numbers"),
    ],
)
def test_bad_days_are_refused_with_a_clear_message_and_change_nothing(
    client, admin_alex, days, message
):
    row = _flu_row()
    before = RegimenDose.history.filter(id=row.pk).count()
    client.force_login(admin_alex)
    response = client.post(_change_url(row), _form(row, days=days, dose_mg_per_m2="25"))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _flu_row().days == "-5,-4,-3"
    assert _flu_row().dose_mg_per_m2 == Decimal("30")
    assert RegimenDose.history.filter(id=row.pk).count() == before
    assert selectors.regimen("axi-cel") == REGIMENS["axi-cel"]


def test_the_first_dose_date_follows_edited_days(client, admin_alex):
    row = _flu_row()
    client.force_login(admin_alex)
    response = client.post(_change_url(row), _form(row, days="-6,-5,-4,-3"))
    assert response.status_code == 302
    flu = {d.drug: d for d in selectors.regimen("axi-cel").drugs}[FLUDARABINE]
    assert flu.days == (-6, -5, -4, -3)
