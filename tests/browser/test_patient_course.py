import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_clinician_registers_a_patient_and_moves_the_course(page, dr_ben, ward_7a):
    log_in(page, "ben", PASSWORD)
    page.get_by_role("link", name="Register a patient").first.click()

    page.get_by_label("MRN").fill("CQ424242")
    page.get_by_label("Family name").fill("Xie")
    page.get_by_label("Given name").fill("Ling")
    page.get_by_label("Date of birth").fill("2099-01-01")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Weight (kg)").fill("58")
    page.get_by_label("Height (cm)").fill("162")
    page.get_by_label("Diagnosis").select_option("LBCL")
    page.get_by_label("Ward").select_option(label="Haematology 7A")
    page.get_by_label("Attending clinician").select_option(label="Ben Li")
    page.get_by_role("button", name="Save").click()
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
