"""Issue 17: the reasons the system writes on a course's timeline are codes, shown in the
reader's language on the patient page, the chart history and the API; what a person typed
stays as typed."""

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import override
from rest_framework.test import APIClient

from eligibility import services as eligibility_services
from patients import services
from patients.models import StageEvent
from tests.factories import product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


@pytest.fixture
def screened(patient_7a, dr_ben):
    """Mrs Liu referred, then screening started by Dr Ben (two system-written reasons)."""
    course = services.course_open(by=dr_ben, patient=patient_7a, product=product())
    eligibility_services.screening_start(by=dr_ben, course=course)
    return course


def _timeline(response) -> str:
    body = response.content.decode()
    start = body.index('data-testid="timeline"')
    return body[start : body.index("</ol>", start)]


def test_the_services_store_codes_not_prose(screened):
    referred, screening = StageEvent.objects.filter(course=screened)
    assert (referred.reason_text, referred.reason) == (
        {"code": "patients.referred", "params": {}},
        "",
    )
    assert (screening.reason_text, screening.reason) == (
        {"code": "eligibility.screening_started", "params": {}},
        "",
    )


def test_the_timeline_is_in_the_readers_language(client, screened, dr_ben):
    client.force_login(dr_ben)
    url = reverse("patients:detail", args=[screened.patient_id])
    english = _timeline(client.get(url))
    assert "Referred for CAR-T therapy." in english and "Screening started." in english
    dr_ben.language = "zh-hans"
    dr_ben.save(update_fields=["language"])
    chinese = _timeline(client.get(url))
    assert "转诊接受 CAR-T 细胞治疗。" in chinese and "筛选已开始。" in chinese
    assert "Screening started." not in chinese and "Referred for" not in chinese


def test_a_persons_words_follow_the_systems_as_typed(client, screened, dr_ben):
    services.course_change_stage(
        by=dr_ben, course=screened, to_stage="withdrawn", reason="患者拒绝 — family decision"
    )
    event = screened.stage_events.last()
    assert (event.reason_text, event.reason) == (None, "患者拒绝 — family decision")
    dr_ben.language = "zh-hans"
    dr_ben.save(update_fields=["language"])
    client.force_login(dr_ben)
    timeline = _timeline(client.get(reverse("patients:detail", args=[screened.patient_id])))
    assert "患者拒绝 — family decision" in timeline


@pytest.mark.parametrize(
    ("language", "referred", "screening"),
    [
        ("en", "Referred for CAR-T therapy.", "Screening started."),
        ("zh-hans", "转诊接受 CAR-T 细胞治疗。", "筛选已开始。"),
    ],
)
def test_the_api_says_the_reason_in_the_requests_language(
    screened, dr_ben, language, referred, screening
):
    client = APIClient()
    client.force_authenticate(dr_ben)
    events = client.get(f"/api/courses/{screened.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()[
        "stage_events"
    ]
    assert [(e["reason"], e["reason_code"], e["reason_params"]) for e in events] == [
        (referred, "patients.referred", {}),
        (screening, "eligibility.screening_started", {}),
    ]


def test_the_openapi_schema_names_the_reason_code(dr_ben):
    client = APIClient()
    client.force_authenticate(dr_ben)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["StageEvent"]["properties"]
    assert {"reason", "reason_code", "reason_params"} <= set(fields)
    assert fields["reason_code"].get("readOnly") is True


def test_the_chart_history_says_system_reasons_in_the_readers_language(client, screened, dr_ben):
    dr_ben.language = "zh-hans"
    dr_ben.save(update_fields=["language"])
    client.force_login(dr_ben)
    body = client.get(reverse("reports:course_history", args=[screened.pk])).content.decode()
    start = body.index('data-testid="history"')
    table = body[start : body.index("</table>", start)]
    # The timeline row's system reason, and the course's change reason (prose in its history
    # column, written in English), both in Chinese.
    assert "筛选已开始。" in table
    assert "Screening started." not in table
    assert "{&#x27;code&#x27;" not in table and "eligibility.screening_started" not in table


def test_every_stage_and_cause_of_death_has_its_text():
    """The nested texts are written out by hand (gettext_noop needs the words): none missing,
    none worded otherwise than the choice it stands for."""
    from core import system_text
    from followup.models import CauseOfDeath
    from followup.texts import cause_of_death_code
    from patients.models import Stage
    from patients.texts import stage_text_code

    pairs = [(stage_text_code(v), label) for v, label in Stage.choices]
    pairs += [(cause_of_death_code(v), label) for v, label in CauseOfDeath.choices]
    for language in ("en", "zh-hans"):
        with override(language):
            assert [system_text.say(system_text.text(code)) for code, _l in pairs] == [
                str(label) for _c, label in pairs
            ]
