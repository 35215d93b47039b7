import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.steps import register_patient
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_clinician_registers_a_patient_and_moves_the_course(page, dr_ben, ward_7a):
    log_in(page, "ben", PASSWORD)
    register_patient(page, mrn="CQ424242", date_of_birth="2099-01-01")
    # A future date of birth is refused with a clear message and nothing is saved.
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("The date of birth cannot be in the future.")).to_be_visible()

    page.get_by_label("Date of birth").fill("1969-07-20")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("patient-name")).to_have_text("XIE, Ling")
    expect(page.get_by_test_id("bsa")).to_contain_text("1.62 m²")

    page.get_by_label("Product").select_option(label="axi-cel (Yescarta)")
    page.get_by_role("button", name="Open course").click()
    expect(page.get_by_test_id("course-stage")).to_have_text("Referred")

    # The stage form offers only the moves that need no record: screening starts on the
    # Eligibility page, with its screening record.
    expect(page.get_by_label("New stage").locator("option")).to_have_text(["Withdrawn", "Deceased"])

    # Withdrawal without a reason is refused and the stage stays.
    page.get_by_label("New stage").select_option("withdrawn")
    page.get_by_role("button", name="Change stage").click()
    expect(page.get_by_role("alert")).to_contain_text("needs a reason")
    expect(page.get_by_test_id("course-stage")).to_have_text("Referred")
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(1)
