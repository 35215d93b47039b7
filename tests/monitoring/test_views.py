from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import services
from monitoring.models import Assessment, Escalation, MonitoringTask
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION

pytestmark = pytest.mark.django_db


def form_data(**values):
    data = {"assessed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), **CALM}
    data.update(values)
    return {k: v for k, v in data.items() if v is not False}


class TestToday:
    def test_nurse_sees_her_ward_with_overdue_tasks(self, client, monitored, nurse_ada, frozen):
        services.monitoring_sweep()
        frozen.shift(timedelta(hours=1))
        client.force_login(nurse_ada)
        body = client.get(reverse("monitoring:today")).content.decode()
        assert monitored.patient.mrn in body
        assert body.count('data-testid="task-overdue"') == 2
        assert "Day +1" in body

    def test_other_ward_nurse_does_not_see_the_patient(self, client, monitored, nurse_dan):
        client.force_login(nurse_dan)
        body = client.get(reverse("monitoring:today")).content.decode()
        assert monitored.patient.mrn not in body
        assert client.get(reverse("monitoring:today"), {"ward": "7a"}).status_code == 404

    def test_today_list_queries_do_not_grow_with_patients(
        self, client, frozen, dr_ben, nurse_ada, ward_7a, django_assert_max_num_queries
    ):
        from tests.factories import PatientFactory
        from tests.monitoring.conftest import course_in_monitoring

        for _ in range(8):
            course = course_in_monitoring(
                PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben
            )
            for minutes in (90, 60, 30):
                services.assessment_record(
                    by=nurse_ada,
                    course=course,
                    assessed_at=timezone.now() - timedelta(minutes=minutes),
                    **CALM,
                )
        services.monitoring_sweep()
        client.force_login(nurse_ada)
        # 17: three for the end-of-monitoring rule (recent treatments, label windows,
        # discharges), whatever the number of patients.
        with django_assert_max_num_queries(17):
            response = client.get(reverse("monitoring:today"))
        assert response.content.decode().count('data-testid="today-row-') == 8

    def test_administrator_is_refused(self, client, admin_alex):
        client.force_login(admin_alex)
        assert client.get(reverse("monitoring:today")).status_code == 403


class TestAssessPage:
    def test_nurse_records_and_is_told_the_grade(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        response = client.post(
            reverse("monitoring:assess", args=[monitored.pk]),
            form_data(**FEVER_HYPOTENSION),
            follow=True,
        )
        body = response.content.decode()
        assert "Assessment saved: CRS grade 2" in body
        assert "Escalated to Ben Li" in body
        assert Assessment.objects.get().crs_grade == 2

    def test_bad_input_shows_errors_and_saves_nothing(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        response = client.post(
            reverse("monitoring:assess", args=[monitored.pk]),
            form_data(temperature_c="", heart_rate_bpm="-3"),
        )
        body = response.content.decode()
        assert response.status_code == 200 and "Nothing was saved" in body
        assert not Assessment.objects.exists()

    def test_an_impossible_temperature_gets_a_clinical_message(self, client, monitored, nurse_ada):
        """Issue 16 item 9: "372" was refused with Django's digit count; now the likely value."""
        client.force_login(nurse_ada)
        response = client.post(
            reverse("monitoring:assess", args=[monitored.pk]), form_data(temperature_c="372")
        )
        body = response.content.decode()
        assert "Temperature 372 °C is not possible — did you mean 37.2?" in body
        assert "digits" not in body and not Assessment.objects.exists()

    def test_grade_preview_grades_as_the_nurse_types(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        response = client.post(
            reverse("monitoring:grade_preview", args=[monitored.pk]),
            form_data(temperature_c="38.6", oxygen_device="nasal_cannula", oxygen_flow_l_min="6"),
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert "CRS 2" in body and "nasal cannula" in body
        assert not Assessment.objects.exists()

    def test_preview_without_temperature_says_what_is_missing(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        body = client.post(
            reverse("monitoring:grade_preview", args=[monitored.pk]), {"oxygen_device": "room_air"}
        ).content.decode()
        assert "Enter the temperature" in body

    @pytest.mark.parametrize("persona", ["other_nurse"])
    def test_other_ward_nurse_gets_404(self, client, monitored, personas, persona):
        client.force_login(personas[persona])
        assert client.get(reverse("monitoring:assess", args=[monitored.pk])).status_code == 404

    @pytest.mark.parametrize("persona", ["pharmacist", "auditor", "apheresis_coordinator"])
    def test_readers_cannot_assess(self, client, monitored, personas, persona):
        client.force_login(personas[persona])
        url = reverse("monitoring:assess", args=[monitored.pk])
        assert client.post(url, form_data()).status_code == 403
        assert client.get(reverse("monitoring:course", args=[monitored.pk])).status_code == 200
        assert not Assessment.objects.exists()


class TestEscalationPages:
    def test_clinician_sees_and_acknowledges(self, client, monitored, nurse_ada, dr_ben):
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **FEVER_HYPOTENSION
        )
        client.force_login(dr_ben)
        body = client.get(reverse("monitoring:escalations")).content.decode()
        assert monitored.patient.mrn in body
        escalation = Escalation.objects.get()
        client.post(
            reverse("monitoring:escalation_acknowledge", args=[escalation.pk]),
            {"note": "Tocilizumab 560 mg ordered", "next": "https://evil.example/"},
        )
        escalation.refresh_from_db()
        assert escalation.acknowledged_by == dr_ben
        assert (
            monitored.patient.mrn
            not in client.get(reverse("monitoring:escalations")).content.decode()
        )

    def test_acknowledging_clears_the_messages_badge(self, client, monitored, nurse_ada, dr_ben):
        """Issue 17: the Messages badge stayed after the escalation behind it was dealt with."""
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **FEVER_HYPOTENSION
        )
        client.force_login(dr_ben)
        home = client.get(reverse("monitoring:escalations")).content.decode()
        assert 'data-testid="unread-count">1<' in home
        client.post(
            reverse("monitoring:escalation_acknowledge", args=[Escalation.objects.get().pk]),
            {"note": "Seen"},
        )
        after = client.get(reverse("monitoring:escalations")).content.decode()
        assert 'data-testid="unread-count"' not in after

    def test_nurse_cannot_acknowledge(self, client, monitored, nurse_ada):
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **FEVER_HYPOTENSION
        )
        client.force_login(nurse_ada)
        response = client.post(
            reverse("monitoring:escalation_acknowledge", args=[Escalation.objects.get().pk])
        )
        assert response.status_code == 403
        assert Escalation.objects.get().acknowledged_at is None


class TestInterventionsAndTasks:
    def test_tocilizumab_form_shows_the_label_dose_and_refuses_an_overdose(
        self, client, monitored, nurse_ada
    ):
        client.force_login(nurse_ada)
        url = reverse("monitoring:intervention_new", args=[monitored.pk])
        assert "560" in client.get(url).content.decode()
        response = client.post(
            url,
            {
                "kind": "tocilizumab",
                "dose_mg": "1000",
                "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert response.status_code == 200 and "at most 560" in response.content.decode()

    def test_take_a_task(self, client, monitored, nurse_ada):
        services.monitoring_sweep()
        task = MonitoringTask.objects.filter(kind="vitals").get()
        client.force_login(nurse_ada)
        client.post(reverse("monitoring:task_take", args=[task.pk]))
        task.refresh_from_db()
        assert task.taken_by == nurse_ada

    def test_chart_data(self, client, monitored, nurse_ada):
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **CALM
        )
        client.force_login(nurse_ada)
        data = client.get(reverse("monitoring:chart_data", args=[monitored.pk])).json()
        assert data["day0"] == "2026-06-14"
        assert data["points"][0]["temperature_c"] == 37.2
        assert data["points"][0]["day"] == pytest.approx(1.375, abs=0.01)
