"""Issue 16.6: an infusion that starts before midnight and ends after it is recorded, on the
day it ends, with Day 0 the day it started (it was refused as "record it today")."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.formats import date_format
from rest_framework.test import APIClient

from infusion import services
from infusion.models import InfusionRecord
from infusion.rules import infusion_recording_refusal
from tests.factories import PASSWORD

from .conftest import DAY0, INFUSION, at

NEXT_DAY = DAY0 + timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("started_on", "ended_on", "today", "refusal"),
    [
        (date(2026, 6, 20), date(2026, 6, 20), date(2026, 6, 20), None),
        (date(2026, 6, 20), date(2026, 6, 21), date(2026, 6, 21), None),  # across midnight
        (date(2026, 6, 20), date(2026, 6, 21), date(2026, 6, 20), None),  # still running
        (date(2026, 6, 20), date(2026, 6, 20), date(2026, 6, 21), "not_today"),
        (date(2026, 6, 19), date(2026, 6, 21), date(2026, 6, 21), "not_today"),
        (date(2026, 6, 18), date(2026, 6, 18), date(2026, 6, 21), "not_today"),
        (date(2026, 6, 21), date(2026, 6, 20), date(2026, 6, 21), "ends_before_start"),
    ],
)
def test_recording_day_rule(started_on, ended_on, today, refusal):
    assert (
        infusion_recording_refusal(started_on=started_on, ended_on=ended_on, today=today) == refusal
    )


def _reviewed(frozen, gate_ready, dr_ben):
    frozen.move_to(at(DAY0, 22))
    services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
    frozen.move_to(at(NEXT_DAY, 0, 30))


def test_service_records_across_midnight_with_day0_the_start(frozen, gate_ready, dr_ben, nurse_ada):
    _reviewed(frozen, gate_ready, dr_ben)
    record = services.infusion_record(
        by=nurse_ada,
        course=gate_ready,
        started_at=at(DAY0, 23, 40),
        ended_at=at(NEXT_DAY, 0, 20),
        **INFUSION,
    )
    gate_ready.refresh_from_db()
    assert record.pk and gate_ready.stage == "monitoring" and gate_ready.day0_date == DAY0


def test_an_infusion_of_the_day_before_that_ended_then_is_still_refused(
    frozen, gate_ready, dr_ben, nurse_ada
):
    _reviewed(frozen, gate_ready, dr_ben)
    with pytest.raises(ValidationError, match="record it today"):
        services.infusion_record(
            by=nurse_ada,
            course=gate_ready,
            started_at=at(DAY0, 22, 10),
            ended_at=at(DAY0, 22, 40),
            **INFUSION,
        )
    assert not InfusionRecord.objects.exists()


def test_page_records_across_midnight(client, frozen, gate_ready, dr_ben, nurse_ada):
    _reviewed(frozen, gate_ready, dr_ben)
    client.force_login(nurse_ada)
    response = client.post(
        reverse("infusion:infuse", args=[gate_ready.pk]),
        {
            "started_at": f"{DAY0}T23:40",
            "ended_at": f"{NEXT_DAY}T00:20",
            **{k: str(v) for k, v in INFUSION.items()},
        },
        follow=True,
    )
    assert f"Infusion recorded: Day 0 is {date_format(DAY0)}" in response.content.decode()
    gate_ready.refresh_from_db()
    assert gate_ready.day0_date == DAY0


def test_api_records_across_midnight(frozen, gate_ready, dr_ben, nurse_ada):
    _reviewed(frozen, gate_ready, dr_ben)
    client = APIClient()
    client.force_authenticate(nurse_ada)
    response = client.post(
        "/api/infusions/",
        {
            **{k: str(v) for k, v in INFUSION.items()},
            "course": gate_ready.pk,
            "started_at": f"{DAY0}T23:40:00+08:00",
            "ended_at": f"{NEXT_DAY}T00:20:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    gate_ready.refresh_from_db()
    assert gate_ready.day0_date == DAY0


def test_after_the_infusion_the_next_step_is_monitoring(
    client, frozen, gate_ready, dr_ben, nurse_ada
):
    """Issue 17: the infusion page leads on to monitoring."""
    from tests.apheresis.test_next_steps import next_step

    _reviewed(frozen, gate_ready, dr_ben)
    services.infusion_record(
        by=nurse_ada,
        course=gate_ready,
        started_at=at(DAY0, 23, 40),
        ended_at=at(NEXT_DAY, 0, 20),
        **INFUSION,
    )
    client.force_login(nurse_ada)
    body = client.get(reverse("infusion:course", args=[gate_ready.pk])).content.decode()
    assert next_step(body) == "Open monitoring"
    assert reverse("monitoring:course", args=[gate_ready.pk]) in body
