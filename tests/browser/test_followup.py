"""Main path in a browser: a nurse records Day 28 and Month 3 and sees the best response."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.followup.conftest import infuse

pytestmark = pytest.mark.browser


def test_nurse_records_day28_and_month3_and_sees_best_response(
    page,
    dr_ben,
    nurse_ada,
    patient_7a,
):
    day0 = timezone.localdate() - timedelta(days=110)
    course = infuse(patient_7a, dr_ben, day0)

    log_in(page, "ada", PASSWORD)
    page.goto(f"/follow-up/courses/{course.pk}/")
    expect(page.get_by_test_id("best-response")).to_contain_text("not assessed yet")
    expect(page.get_by_test_id("visit-d28").get_by_test_id("status")).to_have_text("Overdue")

    page.get_by_role("link", name="Record Day 28").click()
    page.get_by_label("Visit date").fill((day0 + timedelta(days=28)).isoformat())
    page.get_by_label("Disease response (Lugano 2014)").select_option("PR")
    page.get_by_role("button", name="Save visit").click()
    # No imaging method: refused with a clear message, nothing saved.
    expect(page.get_by_text("Say how the response was assessed.")).to_be_visible()
    page.get_by_label("Assessed by").select_option("pet_ct")
    page.get_by_role("button", name="Save visit").click()

    expect(page.get_by_role("alert")).to_contain_text("Visit recorded: Day 28")
    expect(page.get_by_test_id("visit-d28").get_by_test_id("status")).to_have_text("Done")
    expect(page.get_by_test_id("best-response")).to_contain_text("Partial response (PR)")

    page.get_by_role("link", name="Record Day 100 (Month 3)").click()
    page.get_by_label("Visit date").fill((day0 + timedelta(days=100)).isoformat())
    page.get_by_label("Disease response (Lugano 2014)").select_option("CR")
    page.get_by_label("Assessed by").select_option("pet_ct")
    page.get_by_label("Deauville score (PET)").fill("2")
    page.get_by_label("Immunoglobulin G (g/L)").fill("3.1")
    page.get_by_label("IVIG given").check()
    page.get_by_role("button", name="Save visit").click()

    expect(page.get_by_test_id("best-response")).to_contain_text("Complete response (CR)")
    expect(page.get_by_test_id("visit-records").locator("li")).to_have_count(2)
