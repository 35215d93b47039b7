"""Issue 16 item 3: monitoring ends by a clinician's signed decision, not by the calendar;
stale tasks close as missed; outpatients stay on Today. Item 4: advice beside the grade."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.signatures import signatures_for
from monitoring import ending_service, services
from monitoring.models import MonitoringEnd, MonitoringTask, Reminder, TaskKind
from patients.models import Stage
from tests.factories import PASSWORD
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, course_in_monitoring

pytestmark = pytest.mark.django_db


CRS_3 = {**FEVER_HYPOTENSION, "vasopressors": ["norepinephrine"]}


@pytest.fixture
def day15(frozen, patient_7a, dr_ben):
    """Mrs Liu, infused on 31 May: today (15 June) is Day +15, past a 14-day window."""
    return course_in_monitoring(patient_7a, dr_ben, day0=date(2026, 5, 31))


def record(user, course, hours_ago, **values):
    return services.assessment_record(
        by=user, course=course, assessed_at=timezone.now() - timedelta(hours=hours_ago), **values
    )


def end(course, by, reason="Well for 3 days, grades 0.", password=PASSWORD):
    return ending_service.monitoring_end(by=by, course=course, reason=reason, password=password)


class TestTasksGoOnPastTheWindow:
    def test_crs_3_on_day_15_still_gets_tasks_and_reminders(self, day15, nurse_ada):
        record(nurse_ada, day15, 0.5, **CRS_3)
        result = services.monitoring_sweep(now=timezone.now() + timedelta(hours=1))
        assert result.reminders_created >= 1
        assert MonitoringTask.objects.filter(
            course=day15, done_at__isnull=True, missed_at__isnull=True
        ).exists()
        assert Reminder.objects.filter(task__course=day15).exists()


class TestEndMonitoring:
    def test_nurse_may_not_end(self, day15, nurse_ada):
        record(nurse_ada, day15, 1, **CALM)
        with pytest.raises(PermissionDenied):
            end(day15, nurse_ada)

    def test_refused_while_the_grade_is_active_with_the_reason(self, day15, nurse_ada, dr_ben):
        record(nurse_ada, day15, 1, **FEVER_HYPOTENSION)
        with pytest.raises(ValidationError) as error:
            end(day15, dr_ben)
        assert "latest CRS grade is 2" in str(error.value)
        day15.refresh_from_db()
        assert day15.stage == Stage.MONITORING and not MonitoringEnd.objects.exists()

    def test_refused_inside_the_label_window(self, monitored, nurse_ada, dr_ben):
        record(nurse_ada, monitored, 1, **CALM)
        with pytest.raises(ValidationError, match="label window"):
            end(monitored, dr_ben)

    def test_wrong_password_changes_nothing(self, day15, nurse_ada, dr_ben):
        record(nurse_ada, day15, 1, **CALM)
        with pytest.raises(ValidationError):
            end(day15, dr_ben, password="wrong")
        day15.refresh_from_db()
        assert day15.stage == Stage.MONITORING and not MonitoringEnd.objects.exists()

    def test_signed_end_moves_the_course_to_follow_up(self, day15, nurse_ada, dr_ben):
        record(nurse_ada, day15, 1, **CALM)
        record_ = end(day15, dr_ben)
        day15.refresh_from_db()
        assert day15.stage == Stage.FOLLOW_UP
        signature = signatures_for(record_).get()
        assert signature.signer == dr_ben and signature.is_valid
        assert "may_end" not in record_.rule_summary and record_.rule_summary


class TestMissedTasks:
    def test_task_from_yesterday_closes_as_missed_and_a_new_one_is_due_now(
        self, client, day15, nurse_ada, dr_ben, auditor_cara
    ):
        # Yesterday 03:00; the next vital signs were due yesterday 07:00 and never done.
        record(nurse_ada, day15, 30, **CALM)
        assert MonitoringTask.objects.filter(
            course=day15, kind=TaskKind.VITALS, due_at=timezone.now() - timedelta(hours=26)
        ).exists()
        result = services.monitoring_sweep()
        assert result.tasks_missed >= 1
        stale = MonitoringTask.objects.filter(course=day15, missed_at__isnull=False)
        assert stale.exists()
        open_tasks = MonitoringTask.objects.filter(
            course=day15, done_at__isnull=True, missed_at__isnull=True
        )
        shift_start = timezone.now() - timedelta(hours=1)  # 08:00 day shift
        assert all(t.due_at >= shift_start for t in open_tasks)

        client.force_login(nurse_ada)
        today = client.get(reverse("monitoring:today")).content.decode()
        assert "2026-06-14" not in today  # no stale OVERDUE from yesterday
        course_page = client.get(reverse("monitoring:course", args=[day15.pk])).content.decode()
        assert 'data-testid="missed-list"' in course_page
        assert client.get(reverse("monitoring:missed")).status_code == 403

        for reader in (dr_ben, auditor_cara):
            client.force_login(reader)
            page = client.get(reverse("monitoring:missed")).content.decode()
            assert day15.patient.mrn in page
            api = client.get("/api/missed-assessments/").json()
            assert any(row["course"] == day15.pk for row in api["results"])
        client.force_login(nurse_ada)
        assert client.get("/api/missed-assessments/").status_code == 403


class TestOutpatients:
    def _discharge(self, course, by):
        from followup.services import discharge_record

        discharge_record(
            by=by,
            course=course,
            discharge_date=timezone.localdate(),
            caregiver_name="Mr Liu",
            caregiver_phone="123",
            centre_phone="456",
        )

    def test_discharged_while_monitoring_continues_stays_on_today_as_outpatient(
        self, client, day15, nurse_ada, dr_ben
    ):
        record(nurse_ada, day15, 1, **FEVER_HYPOTENSION)
        self._discharge(day15, dr_ben)
        client.force_login(nurse_ada)
        page = client.get(reverse("monitoring:today")).content.decode()
        assert f'data-testid="today-row-{day15.patient.mrn}"' in page
        assert 'data-testid="outpatient"' in page
        assert 'data-testid="past-window"' in page

    def test_discharged_after_monitoring_ended_is_not_on_today(
        self, client, day15, nurse_ada, dr_ben
    ):
        record(nurse_ada, day15, 1, **CALM)
        end(day15, dr_ben)
        self._discharge(day15, dr_ben)
        client.force_login(nurse_ada)
        page = client.get(reverse("monitoring:today")).content.decode()
        assert f'data-testid="today-row-{day15.patient.mrn}"' not in page


class TestEndPageAndApi:
    def test_only_clinicians_reach_the_end_page(self, client, personas, day15):
        for role, user in personas.items():
            client.force_login(user)
            status = client.get(reverse("monitoring:end", args=[day15.pk])).status_code
            assert (status == 200) is (role == "clinician"), role
            assert status in (200, 403, 404), role

    def test_clinician_ends_on_the_page(self, client, day15, nurse_ada, dr_ben):
        record(nurse_ada, day15, 1, **CALM)
        client.force_login(dr_ben)
        page = client.get(reverse("monitoring:end", args=[day15.pk])).content.decode()
        assert "Monitoring may end" in page
        response = client.post(
            reverse("monitoring:end", args=[day15.pk]),
            {"reason": "Grades 0 for 3 days.", "password": PASSWORD},
        )
        assert response.status_code == 302
        day15.refresh_from_db()
        assert day15.stage == Stage.FOLLOW_UP

    def test_api_refuses_a_nurse_and_accepts_the_clinician(self, client, day15, nurse_ada, dr_ben):
        record(nurse_ada, day15, 1, **CALM)
        payload = {"course": day15.pk, "reason": "Well.", "password": PASSWORD}
        client.force_login(nurse_ada)
        assert client.post("/api/monitoring-ends/", payload).status_code == 403
        client.force_login(dr_ben)
        status = client.get(f"/api/monitoring-status/{day15.pk}/").json()
        assert status["may_end"] is True and status["past_window"] is True
        response = client.post("/api/monitoring-ends/", payload)
        assert response.status_code == 201, response.content
        day15.refresh_from_db()
        assert day15.stage == Stage.FOLLOW_UP

    def test_api_refuses_while_monitoring_must_continue(self, client, day15, nurse_ada, dr_ben):
        record(nurse_ada, day15, 1, **FEVER_HYPOTENSION)
        client.force_login(dr_ben)
        status = client.get(f"/api/monitoring-status/{day15.pk}/").json()
        assert status["may_end"] is False
        assert [r["code"] for r in status["reasons"]] == ["grade_active", "escalation_open"]
        payload = {"course": day15.pk, "reason": "Well.", "password": PASSWORD}
        assert client.post("/api/monitoring-ends/", payload).status_code == 400


class TestAdviceBesideTheGrade:
    def test_crs_2_shows_tocilizumab_with_dose_and_source(self, client, monitored, nurse_ada):
        record(nurse_ada, monitored, 1, **FEVER_HYPOTENSION)
        client.force_login(nurse_ada)
        page = client.get(reverse("monitoring:course", args=[monitored.pk])).content.decode()
        assert 'data-testid="advice-tocilizumab"' in page
        assert "ASCO 2021" in page and "8 mg/kg" in page
        status = client.get(f"/api/monitoring-status/{monitored.pk}/").json()
        assert [line["key"] for line in status["advice"]] == ["tocilizumab"]
        escalations = client.get(reverse("monitoring:escalations")).content.decode()
        assert 'data-testid="advice-tocilizumab"' in escalations

    def test_wording_is_editable_in_the_catalogue(self, client, monitored, nurse_ada):
        from monitoring.catalogue import ManagementAdvice

        row = ManagementAdvice.objects.get(key="tocilizumab")
        row.text_en = "Call the CAR-T fellow about tocilizumab."
        row.save()
        record(nurse_ada, monitored, 1, **FEVER_HYPOTENSION)
        client.force_login(nurse_ada)
        page = client.get(reverse("monitoring:course", args=[monitored.pk])).content.decode()
        assert "Call the CAR-T fellow about tocilizumab." in page
        assert row.history.first().text_en == "Call the CAR-T fellow about tocilizumab."

    def test_crs_3_preview_shows_dexamethasone(self, client, monitored, nurse_ada):
        client.force_login(nurse_ada)
        data = {k: v for k, v in CRS_3.items() if k != "vasopressors"}
        data["vasopressors"] = ["norepinephrine"]
        data["assessed_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        page = client.post(
            reverse("monitoring:grade_preview", args=[monitored.pk]), data
        ).content.decode()
        assert "CRS 3" in page and 'data-testid="advice-dexamethasone"' in page


def test_reasons_and_advice_in_chinese(monitored, nurse_ada):
    from django.utils import translation

    from monitoring import selectors

    a = record(
        nurse_ada,
        monitored,
        1,
        **{**CALM, "temperature_c": "38.6", "systolic_bp_mmhg": 82, "diastolic_bp_mmhg": 48},
    )
    with translation.override("zh-hans"):
        assert "收缩压 82 mmHg 低于 90 mmHg" in a.vitals_note
        lines = selectors.advice_for(monitored)
        assert lines[0].text.startswith("考虑托珠单抗") and lines[0].because == "原因：CRS 2 级"


def test_administrator_edits_a_threshold_with_its_source_in_the_admin(client, admin_alex):
    from monitoring.catalogue import VitalSignThreshold

    row = VitalSignThreshold.objects.get(key="map_below_mmhg")
    assert "institutional default — review" in row.source
    client.force_login(admin_alex)
    url = reverse("admin:monitoring_vitalsignthreshold_change", args=[row.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"value": "60", "source": "Ward protocol 2026, reviewed", "verified": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.value == 60 and row.verified
    assert row.history.first().history_user == admin_alex
    advice_url = reverse("admin:monitoring_managementadvice_changelist")
    assert client.get(advice_url).status_code == 200


class TestNoPathAroundTheRule:
    """The generic stage change never takes a patient to follow-up: only the signed
    "End monitoring" does, and it checks the whole ending rule."""

    @pytest.mark.parametrize("values", ["FEVER_HYPOTENSION", "CALM"])
    def test_generic_move_refused(self, day15, nurse_ada, dr_ben, values):
        from patients import services as patient_services

        record(nurse_ada, day15, 1, **globals()[values])
        with pytest.raises(ValidationError, match="End monitoring|end monitoring"):
            patient_services.course_change_stage(
                by=dr_ben, course=day15, to_stage="follow_up", reason="Looks well"
            )
        day15.refresh_from_db()
        assert day15.stage == Stage.MONITORING
