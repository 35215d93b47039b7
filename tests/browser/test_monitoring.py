import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring import services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.monitoring.conftest import course_in_monitoring

pytestmark = pytest.mark.browser


def test_nurse_assesses_crs_2_and_the_clinician_sees_the_escalation(
    page, nurse_ada, dr_ben, patient_7a
):
    course = course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate())
    services.monitoring_sweep()

    log_in(page, "ada", PASSWORD)
    page.get_by_role("link", name="Today", exact=True).click()
    row = page.get_by_test_id(f"today-row-{patient_7a.mrn}")
    expect(row).to_contain_text("Day 0")
    expect(row.get_by_test_id("task-due")).to_have_count(2)
    row.get_by_role("link", name="Assess").click()

    page.get_by_label("Highest temperature (°C)").fill("39.2")
    page.get_by_label("Heart rate (/min)").fill("118")
    page.get_by_label("Systolic BP (mmHg)").fill("86")
    page.get_by_label("Diastolic BP (mmHg)").fill("50")
    page.get_by_label("SpO₂ (%)").fill("95")
    page.get_by_label("Respiratory rate (/min)").fill("22")
    page.get_by_label("Hypotension").check()
    # The grade appears live (htmx) before anything is saved.
    expect(page.get_by_test_id("grade-preview")).to_contain_text("CRS 2")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_role("alert").filter(has_text="Assessment saved")).to_contain_text(
        "CRS grade 2"
    )
    expect(page.get_by_test_id("open-escalation")).to_contain_text("CRS grade 2 (was 0)")
    page.get_by_role("button", name="Log out").click()

    log_in(page, "ben", PASSWORD)
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_role("link", name="Escalations", exact=True).click()
    card = page.get_by_test_id(f"escalation-{patient_7a.mrn}")
    expect(card).to_contain_text("CRS grade 2 (was 0)")
    card.get_by_placeholder("Plan / note").fill("Tocilizumab 8 mg/kg ordered")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Escalation acknowledged.")).to_be_visible()
    expect(page.get_by_test_id(f"escalation-{patient_7a.mrn}")).to_have_count(0)
    assert course.escalations.get().acknowledged_by == dr_ben
