"""Issue 17: an escalation's reasons ("CRS grade 2 (was 0)") are codes, shown in the reader's
language on Today, the escalations page, the course page, the API and the clinician's message;
the English copy stays in ``reason`` for the exports."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Notification
from monitoring import services
from monitoring.models import Escalation
from tests.monitoring.conftest import FEVER_HYPOTENSION

pytestmark = pytest.mark.django_db


CRS_2_EN = "CRS grade 2 (was 0)"
CRS_2_ZH = "CRS 2 级（原为 0 级）"


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])
    return user


def _escalate(nurse, course):
    services.assessment_record(
        by=nurse, course=course, assessed_at=timezone.now(), **FEVER_HYPOTENSION
    )
    return Escalation.objects.get(course=course)


def test_the_reason_is_stored_as_codes_with_an_english_copy(monitored, nurse_ada):
    escalation = _escalate(nurse_ada, monitored)
    assert escalation.reason_codes == [
        {"code": "monitoring.escalation.crs", "params": {"new": 2, "old": 0}}
    ]
    assert escalation.reason == CRS_2_EN


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [("en", CRS_2_EN, CRS_2_ZH), ("zh-hans", CRS_2_ZH, CRS_2_EN)],
)
def test_pages_say_the_reason_in_the_readers_language(
    client, monitored, nurse_ada, dr_ben, language, shown, not_shown
):
    _escalate(nurse_ada, monitored)
    client.force_login(_speaks(dr_ben, language))
    for page in (
        reverse("monitoring:escalations"),
        reverse("monitoring:course", args=[monitored.pk]),
    ):
        body = client.get(page).content.decode()
        assert shown in body and not_shown not in body, page
    client.force_login(_speaks(nurse_ada, language))
    today = client.get(reverse("monitoring:today")).content.decode()
    assert shown in today and not_shown not in today


def test_the_api_says_the_reason_in_the_requests_language(monitored, nurse_ada, dr_ben):
    _escalate(nurse_ada, monitored)
    api = APIClient()
    api.force_authenticate(dr_ben)
    [english] = api.get("/api/escalations/").json()["results"]
    [chinese] = api.get("/api/escalations/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    assert (english["reason"], chinese["reason"]) == (CRS_2_EN, CRS_2_ZH)
    assert chinese["reason_codes"] == [
        {"code": "monitoring.escalation.crs", "params": {"new": 2, "old": 0}}
    ]


def test_the_clinicians_message_is_in_her_language(monitored, nurse_ada, dr_ben):
    _speaks(dr_ben, "zh-hans")
    _escalate(nurse_ada, monitored)
    note = Notification.objects.get(recipient=dr_ben)
    assert CRS_2_ZH in note.subject and CRS_2_EN not in note.subject


def test_a_row_of_unknown_wording_shows_what_was_stored():
    # A row the migration could not read as codes keeps its stored text (no codes).
    assert Escalation(reason_codes=[], reason="Called by ICU").reason_shown == "Called by ICU"
