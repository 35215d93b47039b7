"""Issue 17: the vitals chart draws straight lines between measurements (no curve inventing
values) on an axis of days and hours since infusion; and the Messages badge clears when the
escalation behind it is acknowledged."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring import services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.monitoring.conftest import course_in_monitoring

pytestmark = pytest.mark.browser

CHART = "Chart.getChart(document.getElementById('monitoring-chart'))"
VITALS = {
    "temperature_c": "38.9",
    "heart_rate_bpm": 110,
    "systolic_bp_mmhg": 84,
    "diastolic_bp_mmhg": 50,
    "spo2_percent": 95,
    "respiratory_rate_per_min": 20,
    "oxygen_device": "room_air",
    "hypotension": True,
}


def test_chart_lines_are_straight_on_a_day_and_hour_axis(page, nurse_ada, dr_ben, patient_7a):
    course = course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate() - timedelta(1))
    now = timezone.now()
    for hours_ago, temperature in ((20, "37.4"), (8, "38.9"), (1, "38.1")):
        services.assessment_record(
            by=nurse_ada,
            course=course,
            assessed_at=now - timedelta(hours=hours_ago),
            **{**VITALS, "temperature_c": temperature},
        )

    log_in(page, "ben", PASSWORD)
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.goto(f"/monitoring/courses/{course.pk}/")
    page.wait_for_function(f"() => window.Chart && {CHART}")
    tensions = page.evaluate(
        f"{CHART}.data.datasets.filter(d => d.yAxisID !== 'yGrade').map(d => d.tension)"
    )
    assert tensions and all(t == 0 for t in tensions)
    ticks = page.evaluate(f"{CHART}.scales.x.ticks.map(t => t.label)")
    assert ticks and all(str(t).startswith("D") for t in ticks), ticks
    assert any("h" in str(t) for t in ticks), ticks

    page.goto("/monitoring/escalations/")
    card = page.get_by_test_id(f"escalation-{patient_7a.mrn}")
    card.get_by_placeholder("Plan / note").fill("Seen")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Escalation acknowledged.")).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
