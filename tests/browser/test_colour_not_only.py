"""Issue 17 (WCAG 1.4.1, use of colour): a CRS or ICANS grade and an overdue task or visit
are never told by colour alone. Every coloured badge or danger text on the monitoring chart,
the nurse's Today list and the follow-up calendar carries words that say what it means."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring import services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.followup.conftest import infuse
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, ICE_PERFECT, course_in_monitoring

pytestmark = pytest.mark.browser

COLOURED = (
    ".badge.text-bg-danger, .badge.text-bg-warning, .badge.text-bg-success, "
    ".badge.bg-danger, .badge.bg-warning, .badge.bg-success, .text-danger, .text-success"
)
# A coloured element whose visible text has no word (a bare "2", "↑" or "!") speaks only by
# its colour; a count in a heading or a menu item is named by the heading or the item.
COLOUR_ONLY = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.offsetParent !== null && !el.closest('h1, h2, h3, h4, h5, h6, nav'))
  .map((el) => el.innerText.trim())
  .filter((text) => !/\\p{L}{2,}/u.test(text))"""


def coloured_texts(page) -> list[str]:
    return page.evaluate(
        "(s) => [...document.querySelectorAll(s)].filter((el) => el.offsetParent !== null)"
        ".map((el) => el.innerText.trim())",
        COLOURED,
    )


def test_grades_and_overdue_tasks_are_written_not_only_coloured(
    page, dr_ben, nurse_ada, patient_7a
):
    course = course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate() - timedelta(2))
    now = timezone.now()
    # Calm yesterday, then fever with hypotension (CRS 2) 12 hours ago and nothing since:
    # the next assessment is overdue.
    for hours_ago, vitals in ((30, CALM), (12, FEVER_HYPOTENSION)):
        services.assessment_record(
            by=nurse_ada,
            course=course,
            assessed_at=now - timedelta(hours=hours_ago),
            **vitals,
            **ICE_PERFECT,
        )

    log_in(page, "ada", PASSWORD)
    page.goto(f"/monitoring/courses/{course.pk}/")
    table = page.get_by_test_id("assessment-table")
    expect(table).to_contain_text("CRS 2")
    expect(table).to_contain_text("CRS 0")
    expect(table).to_contain_text("ICANS 0")
    assert page.evaluate(COLOUR_ONLY, COLOURED) == []

    page.goto("/monitoring/today/")
    row = page.get_by_test_id(f"today-row-{patient_7a.mrn}")
    expect(row.get_by_test_id("crs-grade")).to_contain_text("CRS 2")
    expect(row.get_by_test_id("task-overdue").first).to_contain_text("OVERDUE")
    assert page.evaluate(COLOUR_ONLY, COLOURED) == []
    assert any("OVERDUE" in t for t in coloured_texts(page))


def test_overdue_follow_up_visits_are_written_not_only_coloured(page, dr_ben, patient_7a):
    course = infuse(patient_7a, dr_ben, timezone.localdate() - timedelta(days=120))

    log_in(page, "ben", PASSWORD)
    page.goto(f"/follow-up/courses/{course.pk}/")
    expect(page.get_by_text("days past window").first).to_be_visible()
    assert page.evaluate(COLOUR_ONLY, COLOURED) == []
    page.goto("/follow-up/")
    expect(page.get_by_test_id("overdue")).to_contain_text(patient_7a.mrn)
    assert page.evaluate(COLOUR_ONLY, COLOURED) == []
