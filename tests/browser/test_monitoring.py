import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring import services
from tests.browser.conftest import log_in
from tests.browser.steps import menu
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
    menu(page, "Escalations").click()
    card = page.get_by_test_id(f"escalation-{patient_7a.mrn}")
    expect(card).to_contain_text("CRS grade 2 (was 0)")
    card.get_by_placeholder("Plan / note").fill("Tocilizumab 8 mg/kg ordered")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Escalation acknowledged.")).to_be_visible()
    expect(page.get_by_test_id(f"escalation-{patient_7a.mrn}")).to_have_count(0)
    assert course.escalations.get().acknowledged_by == dr_ben


def test_bedside_form_grades_on_the_measured_pressure_and_says_why(
    page, live_server, nurse_ada, dr_ben, patient_7a
):
    """Issue 16 item 2: 38.6 °C with BP 82/48 and the hypotension box unticked was graded
    CRS 1; the measured pressure now makes it CRS 2, with the reason and the advice shown."""
    course = course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate())

    log_in(page, "ada", PASSWORD)
    page.goto(f"{live_server.url}/monitoring/courses/{course.pk}/assess/")
    page.get_by_label("Highest temperature (°C)").fill("38.6")
    page.get_by_label("Heart rate (/min)").fill("110")
    page.get_by_label("Systolic BP (mmHg)").fill("82")
    page.get_by_label("Diastolic BP (mmHg)").fill("48")
    page.get_by_label("SpO₂ (%)").fill("96")
    page.get_by_label("Respiratory rate (/min)").fill("20")
    expect(page.get_by_label("Hypotension")).not_to_be_checked()
    preview = page.get_by_test_id("grade-preview")
    expect(preview).to_contain_text("CRS 2")
    expect(page.get_by_test_id("vitals-note")).to_contain_text("82 mmHg is below 90 mmHg")
    expect(page.get_by_test_id("vitals-note")).to_contain_text("box was not ticked")
    expect(page.get_by_test_id("advice-tocilizumab")).to_contain_text("8 mg/kg")
    page.get_by_role("button", name="Save assessment").click()

    expect(page.get_by_role("alert").filter(has_text="Assessment saved")).to_contain_text(
        "CRS grade 2"
    )
    table = page.get_by_test_id("assessment-table")
    expect(table.get_by_test_id("vitals-note")).to_contain_text("82 mmHg is below 90 mmHg")
    assert course.assessments.get().crs_grade == 2
