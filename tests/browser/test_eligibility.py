"""A clinician walks a referred patient through screening, the MDT and consent."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients import services as patient_services
from tests.browser.conftest import log_in
from tests.browser.steps import fill_screening, record_consent, record_mdt_approval, start_screening
from tests.factories import PASSWORD, product

pytestmark = pytest.mark.browser


def test_clinician_takes_a_referred_patient_to_consent(page, dr_ben, patient_7a, media):
    course = patient_services.course_open(
        by=dr_ben,
        patient=patient_7a,
        product=product("axi-cel"),
        referred_on=timezone.localdate() - timedelta(days=10),
    )
    log_in(page, "ben", PASSWORD)
    page.goto("/eligibility/")
    page.get_by_role("link", name=str(patient_7a)).click()
    expect(page.get_by_test_id("course-stage")).to_have_text("Referred")
    start_screening(page)

    # A first, partial save with an impossible ECOG is refused and says why.
    page.get_by_label("ECOG performance status").fill("7")
    page.get_by_role("button", name="Save and keep editing").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("ECOG runs from 0 to 4.")).to_be_visible()

    fill_screening(page)

    expect(page.get_by_test_id("rule-result")).to_have_text("Eligible")
    expect(page.get_by_test_id("criteria")).to_contain_text("LBCL after ≥ 2 lines")
    expect(page.get_by_test_id("hematotox-group")).to_have_text("low risk")

    page.get_by_role("link", name="Record MDT decision").click()
    record_mdt_approval(page, password="not my password")
    expect(page.get_by_text("The password is not correct; nothing was signed.")).to_be_visible()
    page.get_by_label("Approve").check()
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("The course is now Eligible")
    expect(page.get_by_test_id("course-stage")).to_have_text("Eligible")
    expect(page.get_by_test_id("signature")).to_contain_text("Approved by Ben Li")

    page.get_by_role("link", name="Record informed consent").click()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    record_consent(page)
    expect(page.get_by_role("alert")).to_contain_text("Informed consent recorded")
    expect(page.get_by_test_id("course-stage")).to_have_text("Consented")
    expect(page.get_by_test_id("consent")).to_contain_text("consent.pdf")

    course.refresh_from_db()
    assert course.stage == "consented"
    assert [e.to_stage for e in course.stage_events.all()] == [
        "referred",
        "screening",
        "eligible",
        "consented",
    ]
