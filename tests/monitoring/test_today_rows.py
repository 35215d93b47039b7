"""The Today rows written by Python (monitoring/today_rows.py) and the grades read by LATERAL
(selectors._latest_grades): the cases the golden page does not show, and the same figures as
the window function they replaced (issue 20 item 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import selectors, services, today_cache, today_rows
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, ICE_PERFECT

pytestmark = pytest.mark.django_db


def test_no_patient_is_one_sentence():
    html = today_rows.rows_html([], labels=today_cache.labels(), can_assess=True)
    assert html == '\n<p class="text-muted">No patient is being monitored on these wards.</p>\n\n'


def test_a_reader_gets_no_assess_button_and_values_are_escaped(monitored, dr_ben):
    rows = selectors.today_list(dr_ben).rows
    rows[0].name = "O'Brien <b>"
    html = today_rows.rows_html(rows, labels=today_cache.labels(), can_assess=False)
    assert "O&#x27;Brien &lt;b&gt;" in html and "<b>" not in html
    assert "btn-primary" not in html
    assert "btn-primary" in today_rows.rows_html(rows, labels=today_cache.labels(), can_assess=True)


def test_the_latest_grades_by_lateral_are_the_window_functions(monitored, nurse_ada):
    now = timezone.now()
    for minutes_ago, values in [(300, CALM | ICE_PERFECT), (200, FEVER_HYPOTENSION)] + [
        (100 - i, CALM) for i in range(7)
    ]:
        services.assessment_record(
            by=nurse_ada,
            course=monitored,
            assessed_at=now - timedelta(minutes=minutes_ago),
            **values,
        )
    ids = [monitored.pk, monitored.pk + 1000]
    lateral = selectors._latest_grades_lateral(ids, 6)
    assert len(lateral) == 6
    assert lateral == [tuple(r) for r in selectors._latest_grades_ranked(ids, 6)]
