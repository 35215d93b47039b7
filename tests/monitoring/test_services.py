from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.audit import unaudited
from core.models import Notification
from core.services import outbox_deliver_due
from monitoring import services
from monitoring.models import Assessment, Escalation, MonitoringTask, Reminder
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, ICE_PERFECT

pytestmark = pytest.mark.django_db


def record(user, course, minutes_ago=0, **values):
    return services.assessment_record(
        by=user,
        course=course,
        assessed_at=timezone.now() - timedelta(minutes=minutes_ago),
        **values,
    )


class TestAssessmentRecord:
    def test_grades_are_computed_and_stored_with_reasons(self, monitored, nurse_ada):
        a = record(nurse_ada, monitored, **FEVER_HYPOTENSION, **ICE_PERFECT)
        assert (a.crs_grade, a.icans_grade, a.ice_score) == (2, 0, 10)
        assert "hypotension" in a.crs_reason
        assert a.history.get().history_user == nurse_ada

    def test_crs_2_escalates_to_the_attending_at_once(
        self, monitored, nurse_ada, dr_ben, django_capture_on_commit_callbacks
    ):
        dr_ben.email = "ben@hospital.example"
        dr_ben.save()
        with django_capture_on_commit_callbacks(execute=True):
            a = record(nurse_ada, monitored, **FEVER_HYPOTENSION)
        escalation = Escalation.objects.get(assessment=a)
        assert "CRS grade 2 (was 0)" in escalation.reason
        assert escalation.notified_at is not None and escalation.acknowledged_at is None
        note = Notification.objects.get(recipient=dr_ben)
        assert "Escalation" in note.subject and monitored.patient.mrn in note.subject
        # Queued in the outbox with the escalation; core's worker sends it.
        assert outbox_deliver_due().sent == 1
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ben@hospital.example"]

    def test_any_rise_escalates_but_a_steady_grade_1_does_not(self, monitored, nurse_ada):
        fever = {**CALM, "temperature_c": "38.4"}
        first = record(nurse_ada, monitored, minutes_ago=60, **fever)
        assert first.crs_grade == 1 and Escalation.objects.filter(assessment=first).exists()
        second = record(nurse_ada, monitored, minutes_ago=10, **fever)
        assert second.crs_grade == 1 and not Escalation.objects.filter(assessment=second).exists()

    def test_icans_rise_escalates(self, monitored, nurse_ada):
        a = record(nurse_ada, monitored, **CALM, **{**ICE_PERFECT, "ice_naming": 1})
        assert a.ice_score == 8 and a.icans_grade == 1
        assert "ICANS grade 1 (was 0)" in Escalation.objects.get(assessment=a).reason

    def test_child_needs_capd_not_ice(self, monitored, nurse_ada):
        patient = monitored.patient
        patient.date_of_birth = timezone.localdate().replace(year=2018)
        patient.save()
        with pytest.raises(ValidationError) as error:
            record(nurse_ada, monitored, **CALM, **ICE_PERFECT)
        assert "capd_score" in str(error.value) or "ice" in str(error.value)
        a = record(
            nurse_ada, monitored, **CALM, neuro_assessed=True, capd_score=10, consciousness="alert"
        )
        assert a.icans_grade == 3 and a.ice_score is None

    @pytest.mark.parametrize(
        ("override", "field"),
        [
            ({"temperature_c": "47.5"}, "temperature_c"),
            ({"spo2_percent": 120}, "spo2_percent"),
            ({"oxygen_device": "helmet"}, "oxygen_device"),
            ({"vasopressors": ["dobutamine"]}, "vasopressors"),
        ],
    )
    def test_bad_values_are_refused_and_nothing_is_saved(
        self, monitored, nurse_ada, override, field
    ):
        with pytest.raises(ValidationError) as error:
            record(nurse_ada, monitored, **{**CALM, **override})
        assert field in error.value.message_dict
        assert not Assessment.objects.exists()

    def test_future_time_is_refused(self, monitored, nurse_ada):
        with pytest.raises(ValidationError, match="future"):
            record(nurse_ada, monitored, minutes_ago=-30, **CALM)

    def test_other_ward_nurse_and_pharmacist_are_refused(
        self, monitored, nurse_dan, pharmacist_pan
    ):
        for user in (nurse_dan, pharmacist_pan):
            with pytest.raises(PermissionDenied):
                record(user, monitored, **CALM)
        assert not Assessment.objects.exists()

    def test_only_during_infusion_and_monitoring(self, frozen, patient_7b, dr_ben, nurse_dan):
        from patients import services as patient_services
        from tests.factories import product

        course = patient_services.course_open(by=dr_ben, patient=patient_7b, product=product())
        with pytest.raises(ValidationError, match="infusion and monitoring"):
            record(nurse_dan, course, **CALM)


class TestTasksAndSweep:
    def test_sweep_creates_the_first_tasks_once(self, monitored):
        first = services.monitoring_sweep()
        assert first.tasks_created == 2
        assert services.monitoring_sweep().tasks_created == 0
        kinds = set(MonitoringTask.objects.values_list("kind", flat=True))
        assert kinds == {"vitals", "neuro"}

    def test_tasks_the_sweep_inserts_in_bulk_have_creation_history(self, monitored):
        assert services.monitoring_sweep().tasks_created == 2
        tasks = list(MonitoringTask.objects.all())
        for task in tasks:
            (created,) = task.history.all()
            assert created.history_type == "+"
            assert created.due_at == task.due_at
        # A second sweep inserts nothing, so it records no history either.
        assert services.monitoring_sweep().tasks_created == 0
        assert MonitoringTask.history.count() == 2

    def test_assessment_closes_tasks_and_plans_by_grade(self, monitored, nurse_ada):
        services.monitoring_sweep()
        calm = record(nurse_ada, monitored, minutes_ago=5, **CALM, **ICE_PERFECT)
        assert not MonitoringTask.objects.filter(
            done_at__isnull=True, due_at__lte=timezone.now()
        ).exists()
        vitals = MonitoringTask.objects.get(kind="vitals", done_at__isnull=True)
        neuro = MonitoringTask.objects.get(kind="neuro", done_at__isnull=True)
        assert vitals.due_at == calm.assessed_at + timedelta(hours=4)
        assert neuro.due_at == calm.assessed_at + timedelta(hours=12)
        sick = record(nurse_ada, monitored, minutes_ago=1, **FEVER_HYPOTENSION)
        vitals = MonitoringTask.objects.get(kind="vitals", done_at__isnull=True)
        assert vitals.due_at == sick.assessed_at + timedelta(hours=1)
        # The neurological task planned before still stands: vitals alone do not answer it.
        assert MonitoringTask.objects.filter(kind="neuro", done_at__isnull=True).count() == 1

    def test_icu_transfer_brings_open_tasks_forward(self, monitored, nurse_ada):
        calm = record(nurse_ada, monitored, minutes_ago=30, **CALM, **ICE_PERFECT)
        services.intervention_record(
            by=nurse_ada, course=monitored, kind="icu_transfer", given_at=timezone.now()
        )
        vitals = MonitoringTask.objects.get(kind="vitals", done_at__isnull=True)
        assert vitals.due_at == calm.assessed_at + timedelta(hours=1)

    def test_overdue_reminders_are_delivered_once_to_the_ward_nurses(
        self, monitored, nurse_ada, nurse_dan, frozen
    ):
        # Monitoring started at 09:00, so both first tasks are due now: "coming due".
        first = services.monitoring_sweep()
        assert (first.reminders_created, first.reminders_delivered) == (2, 2)
        frozen.shift(timedelta(hours=1))
        result = services.monitoring_sweep()
        assert result.reminders_created == 2 and result.reminders_delivered == 2
        overdue = Notification.objects.filter(recipient=nurse_ada, subject__startswith="OVERDUE")
        assert overdue.count() == 2
        assert Notification.objects.filter(recipient=nurse_ada).count() == 4
        assert not Notification.objects.filter(recipient=nurse_dan).exists()
        again = services.monitoring_sweep()
        assert (again.reminders_created, again.reminders_delivered) == (0, 0)
        assert Notification.objects.count() == 4

    def test_a_delivery_that_dies_half_way_is_retried_not_lost(self, monitored, nurse_ada, frozen):
        services.monitoring_sweep()
        frozen.shift(timedelta(hours=1))
        before = Notification.objects.count()
        with mock.patch.object(
            Notification.objects, "bulk_create", side_effect=RuntimeError("worker killed")
        ):
            assert services.monitoring_sweep().reminders_delivered == 0
        assert Reminder.objects.filter(sent_at__isnull=True).count() == 2
        assert Notification.objects.count() == before
        result = services.monitoring_sweep()
        assert result.reminders_delivered == 2
        assert Notification.objects.count() == before + 2

    def test_sweep_query_count_does_not_grow_with_patients(
        self, frozen, dr_ben, ward_7a, django_assert_max_num_queries
    ):
        from tests.factories import PatientFactory
        from tests.monitoring.conftest import course_in_monitoring

        for _ in range(3):
            course_in_monitoring(PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben)
        with django_assert_max_num_queries(12) as small:
            services.tasks_create_due(now=timezone.now())
        for _ in range(12):
            course_in_monitoring(PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben)
        with unaudited("test set-up: start again"):
            MonitoringTask._base_manager.all().delete()
        with django_assert_max_num_queries(len(small.captured_queries)):
            created = services.tasks_create_due(now=timezone.now())
        assert created == 30

    def test_task_take_one_nurse_wins(self, monitored, nurse_ada, dr_ben):
        services.monitoring_sweep()
        task = MonitoringTask.objects.filter(kind="vitals").get()
        services.task_take(by=nurse_ada, task=task)
        with pytest.raises(ValidationError, match="Ada Chen took this assessment"):
            services.task_take(by=dr_ben, task=task)


class TestTocilizumab:
    def give(self, user, course, hours_ago, dose=None):
        return services.intervention_record(
            by=user,
            course=course,
            kind="tocilizumab",
            given_at=timezone.now() - timedelta(hours=hours_ago),
            dose_mg=dose,
        )

    def test_label_dose_from_weight(self, monitored, nurse_ada):
        assert self.give(nurse_ada, monitored, 0).dose_mg == Decimal("560")

    def test_dose_above_the_label_is_refused(self, monitored, nurse_ada):
        with pytest.raises(ValidationError) as error:
            self.give(nurse_ada, monitored, 0, dose=Decimal("900"))
        assert "dose_mg" in error.value.message_dict

    def test_fourth_dose_in_24_hours_is_refused(self, monitored, nurse_ada):
        for hours_ago in (20, 12, 4):
            self.give(nurse_ada, monitored, hours_ago)
        with pytest.raises(ValidationError, match="24"):
            self.give(nurse_ada, monitored, 0)

    def test_fifth_dose_in_all_is_refused(self, monitored, nurse_ada):
        for hours_ago in (40, 30, 20, 10):
            self.give(nurse_ada, monitored, hours_ago)
        with pytest.raises(ValidationError, match="4"):
            self.give(nurse_ada, monitored, 0)

    def test_doses_less_than_8_hours_apart_are_refused(self, monitored, nurse_ada):
        self.give(nurse_ada, monitored, 7)
        with pytest.raises(ValidationError, match="8"):
            self.give(nurse_ada, monitored, 0)


class TestEscalationAcknowledge:
    def test_clinician_acknowledges_once(self, monitored, nurse_ada, dr_ben):
        a = record(nurse_ada, monitored, **FEVER_HYPOTENSION)
        escalation = Escalation.objects.get(assessment=a)
        with pytest.raises(PermissionDenied):
            services.escalation_acknowledge(by=nurse_ada, escalation=escalation)
        services.escalation_acknowledge(by=dr_ben, escalation=escalation, note="Tocilizumab")
        escalation.refresh_from_db()
        assert escalation.acknowledged_by == dr_ben and escalation.acknowledgement_note
        with pytest.raises(ValidationError, match="Already acknowledged"):
            services.escalation_acknowledge(by=dr_ben, escalation=escalation)


class TestSustainedGrade:
    def test_a_steady_grade_2_is_not_raised_again_within_12_hours(
        self, monitored, nurse_ada, dr_ben, frozen
    ):
        first = record(nurse_ada, monitored, **FEVER_HYPOTENSION)
        services.escalation_acknowledge(by=dr_ben, escalation=first.escalation)
        frozen.shift(timedelta(hours=1))
        second = record(nurse_ada, monitored, **FEVER_HYPOTENSION)
        assert not Escalation.objects.filter(assessment=second).exists()
        frozen.shift(timedelta(hours=12))
        third = record(nurse_ada, monitored, **FEVER_HYPOTENSION)
        assert "CRS grade 2 (was 2)" in Escalation.objects.get(assessment=third).reason
        # A rise is raised at once, however recent the last escalation.
        fourth = record(
            nurse_ada, monitored, **{**FEVER_HYPOTENSION, "vasopressors": ["norepinephrine"]}
        )
        assert "CRS grade 3 (was 2)" in Escalation.objects.get(assessment=fourth).reason


class TestMonitoringWindow:
    def test_the_label_window_is_a_minimum_tasks_go_on_after_it(self, frozen, dr_ben, ward_7a):
        """Issue 16 item 3 (clinical reference §3): tasks stopped at the end of the label
        window; now they go on until a clinician ends monitoring."""
        from datetime import date

        from catalogue.models import ProductLabel
        from tests.factories import PatientFactory
        from tests.monitoring.conftest import course_in_monitoring

        course = course_in_monitoring(
            PatientFactory(ward=ward_7a, attending_clinician=dr_ben),
            dr_ben,
            day0=date(2026, 6, 5),
        )
        label = ProductLabel.objects.get(product=course.product)
        label.monitoring_window_days = 14
        label.save()
        assert services.tasks_create_due(now=timezone.now()) == 2  # Day +10: inside
        with unaudited("test set-up: start again"):
            MonitoringTask._base_manager.all().delete()
        label.monitoring_window_days = 7
        label.save()
        assert services.tasks_create_due(now=timezone.now()) == 2  # Day +10: window over


class TestGradesFollowTheVitalsTyped:
    """Issue 16 item 2: 38.6 °C with BP 82/48 and the hypotension box unticked was CRS 1."""

    def test_service_grades_on_the_pressure_and_stores_why(self, monitored, nurse_ada):
        a = record(
            nurse_ada,
            monitored,
            **{**CALM, "temperature_c": "38.6", "systolic_bp_mmhg": 82, "diastolic_bp_mmhg": 48},
        )
        assert a.hypotension is False  # the box as the nurse left it
        assert a.crs_grade == 2
        assert [f["code"] for f in a.vitals_findings] == [
            "systolic_low",
            "map_low",
            "hypotension_from_numbers",
        ]
        assert "82 mmHg is below 90 mmHg" in a.vitals_note
        assert Escalation.objects.filter(assessment=a).exists()

    def test_threshold_from_the_catalogue(self, monitored, nurse_ada):
        from monitoring.catalogue import VitalSignThreshold

        row = VitalSignThreshold.objects.get(key="systolic_below_mmhg")
        row.value = Decimal("100")
        row.save()
        a = record(
            nurse_ada,
            monitored,
            **{**CALM, "temperature_c": "38.6", "systolic_bp_mmhg": 95, "diastolic_bp_mmhg": 70},
        )
        assert a.crs_grade == 2 and "below 100 mmHg" in a.vitals_note
