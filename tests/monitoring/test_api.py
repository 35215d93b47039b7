from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from monitoring import services
from monitoring.models import Assessment, MonitoringTask
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, ICE_PERFECT

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(course, **values):
    return {"course": course.pk, "assessed_at": timezone.now().isoformat(), **CALM, **values}


class TestAssessmentsApi:
    def test_nurse_posts_and_the_server_grades(self, monitored, nurse_ada):
        response = api(nurse_ada).post(
            "/api/assessments/",
            payload(monitored, **FEVER_HYPOTENSION, **ICE_PERFECT),
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["crs_grade"], body["icans_grade"], body["ice_score"]) == (2, 0, 10)
        assert body["escalated"] is True

    def test_grades_sent_by_the_client_are_ignored(self, monitored, nurse_ada):
        response = api(nurse_ada).post(
            "/api/assessments/", payload(monitored, crs_grade=0, **FEVER_HYPOTENSION), format="json"
        )
        assert response.json()["crs_grade"] == 2

    def test_bad_input_is_400_naming_the_field(self, monitored, nurse_ada):
        response = api(nurse_ada).post(
            "/api/assessments/", payload(monitored, temperature_c="104"), format="json"
        )
        assert response.status_code == 400 and "temperature_c" in response.json()
        response = api(nurse_ada).post(
            "/api/assessments/",
            payload(monitored, neuro_assessed=True, consciousness="alert"),
            format="json",
        )
        assert response.status_code == 400
        assert not Assessment.objects.exists()

    def test_other_ward_nurse_and_readers(self, monitored, nurse_dan, auditor_cara, admin_alex):
        assert (
            api(nurse_dan).post("/api/assessments/", payload(monitored), format="json").status_code
            == 400
        )
        assert (
            api(auditor_cara)
            .post("/api/assessments/", payload(monitored), format="json")
            .status_code
            == 403
        )
        assert api(admin_alex).get("/api/assessments/").status_code == 403
        services.assessment_record(
            by=monitored.patient.attending_clinician,
            course=monitored,
            assessed_at=timezone.now(),
            **CALM,
        )
        assert api(nurse_dan).get("/api/assessments/").json()["count"] == 0
        assert api(auditor_cara).get("/api/assessments/").json()["count"] == 1

    def test_unknown_filter_is_refused(self, monitored, nurse_ada):
        assert api(nurse_ada).get("/api/assessments/", {"patient": 1}).status_code == 400


class TestOtherEndpoints:
    def test_preview(self, nurse_ada):
        response = api(nurse_ada).post(
            "/api/grading/preview/",
            {
                "age_years": 60,
                "temperature_c": 38.5,
                "vasopressors": ["vasopressin"],
            },
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["crs_grade"] == 3

    def test_preview_bad_value(self, nurse_ada):
        response = api(nurse_ada).post(
            "/api/grading/preview/", {"age_years": 60, "temperature_c": 60}, format="json"
        )
        assert response.status_code == 400 and "temperature_c" in response.json()

    def test_take_task_once(self, monitored, nurse_ada, dr_ben):
        services.monitoring_sweep()
        task = MonitoringTask.objects.filter(kind="vitals").get()
        assert api(nurse_ada).post(f"/api/monitoring-tasks/{task.pk}/take/").status_code == 200
        second = api(dr_ben).post(f"/api/monitoring-tasks/{task.pk}/take/")
        assert second.status_code == 400 and "Ada Chen" in str(second.json())

    def test_tocilizumab_limits_through_the_api(self, monitored, nurse_ada):
        for hours in (20, 12, 4):
            response = api(nurse_ada).post(
                "/api/interventions/",
                {
                    "course": monitored.pk,
                    "kind": "tocilizumab",
                    "given_at": (timezone.now() - timedelta(hours=hours)).isoformat(),
                },
                format="json",
            )
            assert response.status_code == 201, response.json()
        fourth = api(nurse_ada).post(
            "/api/interventions/",
            {"course": monitored.pk, "kind": "tocilizumab", "given_at": timezone.now().isoformat()},
            format="json",
        )
        assert fourth.status_code == 400 and "given_at" in fourth.json()

    def test_acknowledge(self, monitored, nurse_ada, dr_ben):
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **FEVER_HYPOTENSION
        )
        open_list = api(dr_ben).get("/api/escalations/", {"open": "true"}).json()["results"]
        assert len(open_list) == 1
        pk = open_list[0]["id"]
        assert api(nurse_ada).post(f"/api/escalations/{pk}/acknowledge/").status_code == 403
        ok = api(dr_ben).post(f"/api/escalations/{pk}/acknowledge/", {"note": "seen"})
        assert ok.status_code == 200 and ok.json()["acknowledged_by"] == dr_ben.pk
        assert api(dr_ben).get("/api/escalations/", {"open": "true"}).json()["count"] == 0


class TestGradesFollowTheVitalsThroughTheApi:
    """Issue 16 item 2 through the API: the same derivation as the bedside form."""

    def test_assessment_with_82_over_48_and_no_box_is_crs_2_with_the_reason(
        self, monitored, nurse_ada
    ):
        response = api(nurse_ada).post(
            "/api/assessments/",
            payload(monitored, temperature_c="38.6", systolic_bp_mmhg=82, diastolic_bp_mmhg=48),
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["crs_grade"] == 2 and body["hypotension"] is False
        assert "82 mmHg is below 90 mmHg" in body["vitals_note"]
        assert body["vitals_findings"][0]["code"] == "systolic_low"

    def test_preview_derives_hypoxia_from_spo2_89_not_90(self, nurse_ada):
        def preview(spo2):
            return api(nurse_ada).post(
                "/api/grading/preview/",
                {"age_years": 60, "temperature_c": 38.5, "spo2_percent": spo2},
                format="json",
            )

        low = preview(89).json()
        assert low["crs_grade"] == 2 and "SpO₂ 89% on room air" in low["vitals_note"]
        assert preview(90).json()["crs_grade"] == 1
