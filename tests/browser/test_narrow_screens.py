"""Issue 17, 390 px phone: the assessments table of the monitoring chart and the dashboard's
tables scroll inside their own box with the first column fixed; every column header can be
reached, and the page itself never scrolls sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring import services
from tests.browser.axe import serious_violations
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.followup.conftest import infuse
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, ICE_PERFECT, course_in_monitoring

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# For one table: scroll its box to each header in turn; the header must then lie inside the
# box and the viewport, and the first column must still be in view (fixed).
HEADERS_REACHABLE = """(testid) => {
  const table = document.querySelector(`[data-testid="${testid}"]`);
  const box = table.closest('.table-responsive');
  const first = table.querySelector('thead th');
  const out = [];
  for (const th of table.querySelectorAll('thead th')) {
    box.scrollLeft = Math.max(0, th.offsetLeft - first.offsetWidth);
    const r = th.getBoundingClientRect(), b = box.getBoundingClientRect();
    const f = first.getBoundingClientRect();
    out.push({header: th.textContent.trim(),
              inside: r.left >= b.left - 1 && r.right <= b.right + 1 && r.right <= innerWidth + 1,
              firstFixed: f.left >= b.left - 1 && f.right <= b.right + 1});
  }
  box.scrollLeft = 0;
  return out;
}"""


def phone(browser, live_server):
    # bypass_csp: axe-core is injected as an inline script.
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        base_url=live_server.url,
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def assert_no_page_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A box that scrolls must be reachable by keyboard too (axe: scrollable-region-focusable).
    assert serious_violations(page) == []


def assert_headers_reachable(page, testid: str, expected: list[str]) -> None:
    table = page.get_by_test_id(testid)
    table.scroll_into_view_if_needed()
    headers = page.evaluate(HEADERS_REACHABLE, testid)
    names = [h["header"] for h in headers]
    for name in expected:
        assert name in names, names
    unreachable = [h for h in headers if not (h["inside"] and h["firstFixed"])]
    assert not unreachable, (testid, unreachable)


def test_assessments_table_on_a_phone(browser, live_server, dr_ben, nurse_ada, patient_7a):
    course = course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate() - timedelta(1))
    now = timezone.now()
    for hours_ago, vitals in ((6, CALM), (1, FEVER_HYPOTENSION)):
        services.assessment_record(
            by=nurse_ada,
            course=course,
            assessed_at=now - timedelta(hours=hours_ago),
            **vitals,
            **ICE_PERFECT,
        )
    context, page = phone(browser, live_server)
    log_in(page, "ada", PASSWORD)
    page.goto(f"/monitoring/courses/{course.pk}/")
    expect(page.get_by_test_id("assessment-table")).to_contain_text("ICANS")
    assert_headers_reachable(page, "assessment-table", ["Time", "CRS", "ICANS", "By"])
    assert_no_page_overflow(page)
    context.close()


def test_dashboard_survival_tables_on_a_phone(browser, live_server, dr_ben, ward_7a):
    from tests.factories import PatientFactory

    today = timezone.localdate()
    for days_ago in (400, 200, 90):
        patient = PatientFactory(ward=ward_7a, attending_clinician=dr_ben)
        infuse(patient, dr_ben, today - timedelta(days=days_ago))
    context, page = phone(browser, live_server)
    log_in(page, "ben", PASSWORD)
    page.goto("/reports/")
    expect(page.get_by_test_id("table-pfs")).to_be_visible()
    tables = page.evaluate(
        "[...document.querySelectorAll('table[data-testid^=\"table-\"]')]"
        ".filter((t) => t.offsetParent !== null).map((t) => t.dataset.testid)"
    )
    assert {"table-pfs", "table-os"} <= set(tables), tables
    for testid in tables:
        assert_headers_reachable(page, testid, [])
    assert_no_page_overflow(page)
    context.close()
