"""Issue 17: grade reasons and day labels in the reader's language on every page and in the
API; the English columns the exports read stay English."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from monitoring import services
from monitoring.models import Assessment
from tests.monitoring.conftest import FEVER_HYPOTENSION, ICE_PERFECT

pytestmark = pytest.mark.django_db

CRS_EN = "fever 39.1 °C with hypotension not requiring vasopressors"
CRS_ZH = "发热 39.1 °C，伴无需血管活性药物的低血压"
ICANS_EN = "ICE 10/10, alert, with no other ICANS finding"
ICANS_ZH = "ICE 10/10，清醒，无其他 ICANS 表现"


def speaks(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def graded(monitored, nurse_ada):
    """CRS 2 and ICANS 0, charted by a nurse whose pages are in Chinese."""
    speaks(nurse_ada, "zh-hans")
    with translation.override("zh-hans"):
        return services.assessment_record(
            by=nurse_ada,
            course=monitored,
            assessed_at=timezone.now(),
            **FEVER_HYPOTENSION,
            **ICE_PERFECT,
        )


def test_stored_as_codes_and_as_english_whoever_wrote_it(graded):
    assert graded.crs_findings[0]["code"] == "grade.crs.fever_with"
    assert graded.icans_findings == [{"code": "grade.icans.nothing_ice", "params": {"score": 10}}]
    # The exports' columns: English even though the nurse worked in Chinese.
    graded.refresh_from_db()
    assert (graded.crs_reason, graded.icans_reason) == (CRS_EN, ICANS_EN)


def test_the_course_page_in_chinese(client, graded, nurse_ada):
    client.force_login(nurse_ada)
    page = client.get(reverse("monitoring:course", args=[graded.course_id])).content.decode()
    assert CRS_ZH in page and ICANS_ZH in page
    assert CRS_EN not in page
    assert '<span class="day-label">第 +1 天</span>' in page
    # The chart's axis words (static/monitoring/chart.js reads them from the canvas).
    assert 'data-format-day="第{day}天"' in page and 'data-format-hour="{hour}时"' in page


def test_the_course_page_in_english(client, graded, nurse_ada):
    speaks(nurse_ada, "en")
    client.force_login(nurse_ada)
    page = client.get(reverse("monitoring:course", args=[graded.course_id])).content.decode()
    assert CRS_EN in page and ICANS_EN in page
    assert '<span class="day-label">Day +1</span>' in page
    assert 'data-format-day="D{day}"' in page and 'data-format-hour="{hour}h"' in page


def test_the_escalation_list_in_chinese(client, graded, dr_ben):
    speaks(dr_ben, "zh-hans")
    client.force_login(dr_ben)
    page = client.get(reverse("monitoring:escalations")).content.decode()
    assert CRS_ZH in page and CRS_EN not in page


def test_today_rows_day_label_in_chinese(client, graded, nurse_ada):
    client.force_login(nurse_ada)
    page = client.get(reverse("monitoring:today"), {"ward": "7a"}).content.decode()
    assert "第 +1 天" in page and "Day +1" not in page


def test_the_assess_page_preview_in_chinese(client, monitored, nurse_ada):
    speaks(nurse_ada, "zh-hans")
    client.force_login(nurse_ada)
    data = {**FEVER_HYPOTENSION, "assessed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    page = client.post(
        reverse("monitoring:grade_preview", args=[monitored.pk]), data
    ).content.decode()
    assert CRS_ZH in page and CRS_EN not in page


def api(user, language: str) -> APIClient:
    client = APIClient(headers={"Accept-Language": language})
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(("language", "text"), [("en", CRS_EN), ("zh-hans", CRS_ZH)])
def test_the_assessment_api(graded, nurse_ada, language, text):
    speaks(nurse_ada, "")
    body = api(nurse_ada, language).get(f"/api/assessments/{graded.pk}/").json()
    assert body["crs_reason"] == CRS_EN  # English, as the exports
    assert body["crs_reason_text"] == text
    assert body["crs_findings"][0]["code"] == "grade.crs.fever_with"
    assert body["icans_findings"] == [{"code": "grade.icans.nothing_ice", "params": {"score": 10}}]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "fever 38.5 °C with vasopressin alone (one vasopressor)"),
        ("zh-hans", "发热 38.5 °C，伴仅用血管加压素（计为一种血管活性药物）"),
    ],
)
def test_the_preview_api(nurse_ada, language, text):
    speaks(nurse_ada, "")
    body = (
        api(nurse_ada, language)
        .post(
            "/api/grading/preview/",
            {"age_years": 60, "temperature_c": 38.5, "vasopressors": ["vasopressin"]},
            format="json",
        )
        .json()
    )
    assert body["crs_reasons"] == ["fever 38.5 °C with vasopressin alone (one vasopressor)"]
    assert body["crs_reason_text"] == text
    assert body["crs_findings"][0]["params"]["finding"] == {
        "code": "grade.crs.vasopressin_alone",
        "params": {},
    }


def test_the_schema_names_the_new_fields(nurse_ada):
    schema = api(nurse_ada, "en").get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "crs_reason_text" in text and "crs_findings" in text and "icans_findings" in text


class TestRowsChartedBefore:
    migration = importlib.import_module(
        "monitoring.migrations.0007_assessment_grade_findings_from_english"
    )

    def test_exact_english_becomes_codes(self, client, graded, nurse_ada):
        expected = (graded.crs_findings, graded.icans_findings)
        Assessment.objects.filter(pk=graded.pk).audited_update(
            by=nurse_ada, crs_findings=[], icans_findings=[]
        )
        self.migration.fill(apps, None)
        graded.refresh_from_db()
        assert (graded.crs_findings, graded.icans_findings) == expected

    def test_other_english_stays_english_on_the_page(self, client, graded, nurse_ada):
        Assessment.objects.filter(pk=graded.pk).audited_update(
            by=nurse_ada, crs_findings=[], crs_reason="fever 38.6 °C with something else"
        )
        self.migration.fill(apps, None)
        graded.refresh_from_db()
        assert graded.crs_findings == []
        client.force_login(nurse_ada)
        page = client.get(reverse("monitoring:course", args=[graded.course_id])).content.decode()
        assert "fever 38.6 °C with something else" in page
