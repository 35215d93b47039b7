"""Issue 16 item 5: every time shown is local, with the date when it is not today."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from core.clock import local_when
from monitoring import services
from monitoring.forms import InterventionForm
from monitoring.models import Escalation
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION

pytestmark = pytest.mark.django_db


class TestLocalWhen:
    def test_today_is_time_only_in_local_time(self, frozen):
        # 01:30 UTC is 09:30 in Chongqing (Asia/Shanghai), today.
        assert local_when(datetime(2026, 6, 15, 0, 30, tzinfo=UTC)) == "08:30"

    def test_another_day_carries_its_date(self, frozen):
        thirteen_days_ago = timezone.now() - timedelta(days=13, hours=7)
        assert local_when(thirteen_days_ago) == "2026-06-02 02:00"

    def test_filter_is_the_same_function(self, frozen):
        moment = timezone.now() - timedelta(days=2)
        rendered = Template("{% load clock %}{{ t|when }}").render(Context({"t": moment}))
        assert rendered == "2026-06-13 09:00"


def test_escalation_13_days_old_shows_its_date_on_today_and_escalations(
    client, nurse_ada, dr_ben, patient_7a
):
    from tests.monitoring.conftest import course_in_monitoring

    with time_machine.travel("2026-06-02 02:00 +08:00", tick=False):
        course = course_in_monitoring(patient_7a, dr_ben, day0=datetime(2026, 6, 1).date())
        services.assessment_record(
            by=nurse_ada, course=course, assessed_at=timezone.now(), **FEVER_HYPOTENSION
        )
    assert Escalation.objects.filter(course=course).exists()
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        client.force_login(dr_ben)
        today = client.get(reverse("monitoring:today")).content.decode()
        assert "(2026-06-02 02:00)" in today
        page = client.get(reverse("monitoring:escalations")).content.decode()
        assert "2026-06-02 02:00" in page


def test_prompted_by_assessment_picker_shows_local_time(monitored, nurse_ada):
    a = services.assessment_record(
        by=nurse_ada,
        course=monitored,
        assessed_at=timezone.now() - timedelta(hours=1),
        **CALM,
    )
    form = InterventionForm(course=monitored)
    labels = [label for value, label in form.fields["assessment"].choices if value]
    assert labels == [str(a)]
    assert "2026-06-15 08:00" in labels[0]  # local; UTC would read 00:00
