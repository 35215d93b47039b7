"""Correcting a mis-entered infusion date (issue 15 item 5): a clinician gives the right Day 0
with a reason and signs with her password; the infusion record and the course's Day 0 change
with history, the follow-up visits not yet done move, and monitoring's day numbers follow."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from core.signatures import signatures_for
from followup.models import ScheduledVisit
from infusion import services
from infusion.models import Day0Correction
from patients import rules as patient_rules
from tests.factories import PASSWORD

from .conftest import DAY0, INFUSION, at

pytestmark = pytest.mark.django_db
RIGHT_DAY0 = DAY0 + timedelta(days=1)  # the infusion ran on Sunday; Saturday was typed


@pytest.fixture
def infused(gate_ready, dr_ben, nurse_ada, frozen):
    services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
    frozen.move_to(at(DAY0, 10, 30))
    services.infusion_record(
        by=nurse_ada,
        course=gate_ready,
        started_at=at(DAY0, 10),
        ended_at=at(DAY0, 10, 20),
        **INFUSION,
    )
    frozen.move_to(at(DAY0 + timedelta(days=3), 9))
    gate_ready.refresh_from_db()
    return gate_ready


def correct(course, by, **overrides):
    values = {
        "by": by,
        "course": course,
        "new_day0_date": RIGHT_DAY0,
        "reason": "Infusion ran on Sunday 21 June; Saturday was typed by mistake",
        "password": PASSWORD,
    }
    return services.day0_correct(**{**values, **overrides})


def test_the_correction_moves_day0_the_infusion_record_and_the_visits(infused, dr_ben):
    d28_before = ScheduledVisit.objects.get(course=infused, code="d28").target_date
    assert d28_before == DAY0 + timedelta(days=28)
    correction = correct(infused, dr_ben)
    infused.refresh_from_db()
    assert infused.day0_date == RIGHT_DAY0
    record = infused.infusion_record
    assert record.started_at == at(RIGHT_DAY0, 10) and record.ended_at == at(RIGHT_DAY0, 10, 20)
    assert (correction.old_day0_date, correction.new_day0_date) == (DAY0, RIGHT_DAY0)
    # Visits not yet done move with Day 0.
    d28 = ScheduledVisit.objects.get(course=infused, code="d28")
    assert d28.target_date == RIGHT_DAY0 + timedelta(days=28)
    # Monitoring counts its days from the course's Day 0: today is Day +2, no longer +3.
    today = DAY0 + timedelta(days=3)
    assert patient_rules.day_number(day0=infused.day0_date, on=today) == 2
    # The course's history says who changed Day 0 and why.
    last = infused.history.order_by("-history_date", "-history_id").first()
    assert last.day0_date == RIGHT_DAY0 and last.history_user == dr_ben
    assert "Saturday was typed" in last.history_change_reason


def test_the_correction_is_signed_with_meaning_name_and_time(infused, dr_ben):
    correction = correct(infused, dr_ben)
    (signature,) = signatures_for(correction)
    assert signature.signer == dr_ben and signature.get_meaning_display() == "Corrected by"
    assert signature.is_valid


def test_a_wrong_password_changes_nothing(infused, dr_ben):
    with pytest.raises(ValidationError) as error:
        correct(infused, dr_ben, password="guess")
    assert "password" in error.value.message_dict
    infused.refresh_from_db()
    assert infused.day0_date == DAY0 and not Day0Correction.objects.exists()


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor"])
def test_only_clinicians_correct_day0(personas, infused, role):
    with pytest.raises(PermissionDenied):
        correct(infused, personas[role])
    infused.refresh_from_db()
    assert infused.day0_date == DAY0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"new_day0_date": DAY0}, "new_day0_date"),
        ({"new_day0_date": DAY0 + timedelta(days=4)}, "new_day0_date"),  # tomorrow
    ],
)
def test_refusals_say_why_and_change_nothing(infused, dr_ben, overrides, field):
    with pytest.raises(ValidationError) as error:
        correct(infused, dr_ben, **overrides)
    assert field in error.value.message_dict
    infused.refresh_from_db()
    assert infused.day0_date == DAY0 and not Day0Correction.objects.exists()


def test_a_course_not_infused_has_no_day0_to_correct(verified, course, dr_ben):
    with pytest.raises(ValidationError):
        correct(course, dr_ben, new_day0_date=date(2026, 6, 14))


def test_page_corrects_day0_with_the_password(client, infused, dr_ben, nurse_ada):
    url = reverse("infusion:day0_correct", args=[infused.pk])
    client.force_login(nurse_ada)
    assert client.post(url, {}).status_code == 403
    client.force_login(dr_ben)
    page = client.get(url).content.decode()
    assert 'name="password"' in page and 'type="date"' in page
    wrong = client.post(
        url, {"new_day0_date": RIGHT_DAY0.isoformat(), "reason": "Typo", "password": "x"}
    )
    assert "password is not correct" in wrong.content.decode()
    response = client.post(
        url,
        {"new_day0_date": RIGHT_DAY0.isoformat(), "reason": "Typo", "password": PASSWORD},
        follow=True,
    )
    assert "Day 0 corrected" in response.content.decode()
    infused.refresh_from_db()
    assert infused.day0_date == RIGHT_DAY0


def test_api_corrects_day0_and_refuses_others(infused, dr_ben, nurse_ada, pharmacist_pan):
    url = "/api/day0-corrections/"
    body = {
        "course": infused.pk,
        "new_day0_date": RIGHT_DAY0.isoformat(),
        "reason": "Typo",
        "password": PASSWORD,
    }
    for user in (nurse_ada, pharmacist_pan):
        client = APIClient()
        client.force_authenticate(user)
        assert client.post(url, body, format="json").status_code == 403
    infused.refresh_from_db()
    assert infused.day0_date == DAY0
    client = APIClient()
    client.force_authenticate(dr_ben)
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["new_day0_date"] == RIGHT_DAY0.isoformat()
    assert client.get(url, {"course": infused.pk}).json()["count"] == 1
