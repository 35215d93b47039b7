"""Ending follow-up at this centre completes the course (the evidence of "completed")."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from followup import services
from followup.models import FollowUpEnd, ScheduledVisit
from patients.models import StageEvent
from tests.factories import course_at_stage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


@pytest.fixture
def in_follow_up(infused_7a, dr_ben):
    for stage in ("monitoring", "follow_up"):
        course_at_stage(
            by=dr_ben, course=infused_7a, to_stage=stage, effective_date=date(2026, 3, 20)
        )
    return infused_7a


def test_clinician_ends_follow_up_and_the_course_is_completed(in_follow_up, dr_ben):
    record = services.follow_up_end(
        by=dr_ben, course=in_follow_up, reason="Transferred to the national registry."
    )
    in_follow_up.refresh_from_db()
    assert in_follow_up.stage == "completed"
    assert record.ended_on == date(2026, 6, 15) and record.recorded_by == dr_ben
    event = StageEvent.objects.filter(course=in_follow_up).latest("id")
    assert (event.from_stage, event.to_stage) == ("follow_up", "completed")
    assert not ScheduledVisit.objects.filter(course=in_follow_up, visit_state="due").exists()


def test_nurse_may_not_end_follow_up(in_follow_up, nurse_ada):
    with pytest.raises(PermissionDenied):
        services.follow_up_end(by=nurse_ada, course=in_follow_up, reason="Done")
    in_follow_up.refresh_from_db()
    assert in_follow_up.stage == "follow_up" and not FollowUpEnd.objects.exists()


@pytest.mark.parametrize(
    ("ended_on", "reason", "field"),
    [
        (None, "  ", "reason"),
        (date(2026, 6, 16), "Done", "ended_on"),
        (date(2026, 3, 1), "Done", "ended_on"),
    ],
)
def test_reason_and_date_are_checked(in_follow_up, dr_ben, ended_on, reason, field):
    with pytest.raises(ValidationError) as error:
        services.follow_up_end(by=dr_ben, course=in_follow_up, ended_on=ended_on, reason=reason)
    assert field in error.value.message_dict
    in_follow_up.refresh_from_db()
    assert in_follow_up.stage == "follow_up"


def test_refused_outside_follow_up(infused_7a, dr_ben):
    with pytest.raises(ValidationError, match="course in follow-up"):
        services.follow_up_end(by=dr_ben, course=infused_7a, reason="Done")


def test_page_button_and_post(client, in_follow_up, dr_ben):
    client.force_login(dr_ben)
    url = reverse("followup:course", args=[in_follow_up.pk])
    assert 'data-testid="end-follow-up"' in client.get(url).content.decode()
    response = client.post(
        reverse("followup:end_follow_up", args=[in_follow_up.pk]),
        {"reason": "Schedule finished."},
        follow=True,
    )
    assert "the course is completed" in response.content.decode()
    in_follow_up.refresh_from_db()
    assert in_follow_up.stage == "completed"


def test_nurse_gets_no_button_and_403(client, in_follow_up, nurse_ada):
    client.force_login(nurse_ada)
    page = client.get(reverse("followup:course", args=[in_follow_up.pk])).content.decode()
    assert 'data-testid="end-follow-up"' not in page
    response = client.post(
        reverse("followup:end_follow_up", args=[in_follow_up.pk]), {"reason": "x"}
    )
    assert response.status_code == 403


def test_api_action(in_follow_up, dr_ben, nurse_ada):
    api = APIClient()
    api.force_authenticate(nurse_ada)
    url = f"/api/follow-up/courses/{in_follow_up.pk}/end/"
    assert api.post(url, {"reason": "x"}, format="json").status_code == 403
    api.force_authenticate(dr_ben)
    assert api.post(url, {}, format="json").status_code == 400
    response = api.post(url, {"reason": "Schedule finished."}, format="json")
    assert response.status_code == 201, response.json()
    in_follow_up.refresh_from_db()
    assert in_follow_up.stage == "completed"
