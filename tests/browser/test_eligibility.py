"""A clinician walks a referred patient through screening, the MDT and consent."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients import services as patient_services
from tests.browser.conftest import log_in
from tests.eligibility.conftest import PDF_BYTES
from tests.factories import PASSWORD, product

pytestmark = pytest.mark.browser

LABS = {
    "largest_lesion_cm": "4.5",
    "crcl_ml_min": "88",
    # Typed in the SI units the unit selectors default to (issue 16 item 9).
    "bilirubin_mg_dl": "12",  # µmol/L
    "alt_u_l": "32",
    "alt_uln_u_l": "40",
    "ast_u_l": "30",
    "ast_uln_u_l": "40",
    "lvef_percent": "62",
    "spo2_percent": "97",
    "haemoglobin_g_dl": "118",  # g/L
    "platelets_10e9_l": "190",
    "anc_10e9_l": "2.6",
    "alc_10e9_l": "0.9",
    "ldh_u_l": "220",
    "ldh_uln_u_l": "250",
    "ferritin_ng_ml": "420",
    "crp_mg_dl": "6",  # mg/L
}
CHOICES = {
    "diagnosis": "LBCL",
    "prior_autologous_transplant": "false",
    "transplant_candidate": "false",
    "cns_involvement": "false",
    "active_infection": "false",
    "hbv": "negative",
    "hcv": "negative",
    "hiv": "negative",
    "pregnancy": "not_applicable",
}


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
    page.get_by_role("button", name="Start screening").click()
    expect(page.get_by_role("alert")).to_contain_text("Screening started.")

    # A first, partial save with an impossible ECOG is refused and says why.
    page.get_by_label("ECOG performance status").fill("7")
    page.get_by_role("button", name="Save and keep editing").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("ECOG runs from 0 to 4.")).to_be_visible()

    page.get_by_label("ECOG performance status").fill("1")
    for name, value in LABS.items():
        page.locator(f"[name={name}]").fill(value)
    for name, value in CHOICES.items():
        page.locator(f"[name={name}]").select_option(value)
    for i, (regimen, start, end, response, relapse) in enumerate(
        [
            ("R-CHOP", "2023-01-10", "2023-06-01", "CR", "2024-03-01"),
            ("R-GemOx", "2024-03-20", "2024-07-01", "PR", "2025-03-01"),
        ]
    ):
        page.locator(f"[name=lines-{i}-line_number]").fill(str(i + 1))
        page.locator(f"[name=lines-{i}-regimen]").fill(regimen)
        page.locator(f"[name=lines-{i}-start_date]").fill(start)
        page.locator(f"[name=lines-{i}-end_date]").fill(end)
        page.locator(f"[name=lines-{i}-best_response]").select_option(response)
        page.locator(f"[name=lines-{i}-progression_date]").fill(relapse)
    page.locator("[name=lines-0-drug_classes][value=anti_cd20]").check()
    page.get_by_role("button", name="Save and see the result").click()

    expect(page.get_by_test_id("rule-result")).to_have_text("Eligible")
    expect(page.get_by_test_id("criteria")).to_contain_text("LBCL after ≥ 2 lines")
    expect(page.get_by_test_id("hematotox-group")).to_have_text("low risk")

    page.get_by_role("link", name="Record MDT decision").click()
    page.get_by_label("Approve").check()
    page.get_by_label("MDT members present").fill("Dr Ben, Dr Wang, RN Ada")
    page.get_by_label("Your password (electronic signature)").fill("not my password")
    page.get_by_role("button", name="Record decision").click()
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
    for label in (
        "Price of the treatment",
        "Expected benefit",
        "Risks of CRS and neurotoxicity (ICANS)",
        "Duty of long-term follow-up (up to 15 years)",
        "Driving and proximity restrictions after infusion",
    ):
        page.get_by_label(label).check()
    page.get_by_label("Signed consent document").set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Record consent").click()
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
