"""Issue 16.1 in the browser: a clinician saves each part of the screening in turn with
"Save and keep editing"; every row saved earlier is still there at the end."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from eligibility import selectors
from patients import services as patient_services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, product

pytestmark = pytest.mark.browser


def _save(page):
    page.get_by_role("button", name="Save and keep editing").click()
    expect(page.get_by_role("alert").first).to_contain_text("Screening saved.")


def test_saving_each_section_keeps_every_earlier_row(page, dr_ben, patient_7a):
    course = patient_services.course_open(
        by=dr_ben,
        patient=patient_7a,
        product=product("axi-cel"),
        referred_on=timezone.localdate() - timedelta(days=10),
    )
    log_in(page, "ben", PASSWORD)
    page.goto(f"/eligibility/courses/{course.pk}/")
    page.get_by_role("button", name="Start screening").click()
    expect(page.get_by_role("alert").first).to_contain_text("Screening started.")

    # Section: prior lines.
    page.locator("[name=lines-0-line_number]").fill("1")
    page.locator("[name=lines-0-regimen]").fill("R-CHOP")
    page.locator("[name=lines-1-line_number]").fill("2")
    page.locator("[name=lines-1-regimen]").fill("R-GemOx")
    _save(page)
    # Section: washout therapies; the lines are left as the page shows them.
    page.locator("[name=washouts-0-therapy_class]").select_option("chemotherapy")
    page.locator("[name=washouts-0-last_dose_date]").fill(
        (timezone.localdate() - timedelta(days=20)).isoformat()
    )
    _save(page)
    # Section: fitness only.
    page.get_by_label("ECOG performance status").fill("1")
    _save(page)
    # Section: one more line, in the first empty row.
    page.locator("[name=lines-2-line_number]").fill("3")
    page.locator("[name=lines-2-regimen]").fill("Pola-BR")
    _save(page)

    expect(page.locator("[name=lines-0-regimen]")).to_have_value("R-CHOP")
    expect(page.locator("[name=lines-1-regimen]")).to_have_value("R-GemOx")
    expect(page.locator("[name=lines-2-regimen]")).to_have_value("Pola-BR")
    expect(page.locator("[name=washouts-0-therapy_class]")).to_have_value("chemotherapy")
    assessment = selectors.screening_for_course(course)
    assert sorted(assessment.prior_lines.values_list("regimen", flat=True)) == [
        "Pola-BR",
        "R-CHOP",
        "R-GemOx",
    ]
    assert assessment.washout_therapies.count() == 1 and assessment.ecog == 1

    # Removing is explicit: tick "Remove this line" on the second line.
    page.get_by_label("Remove this line").nth(1).check()
    _save(page)
    assert sorted(assessment.prior_lines.values_list("regimen", flat=True)) == [
        "Pola-BR",
        "R-CHOP",
    ]
    assert assessment.washout_therapies.count() == 1
