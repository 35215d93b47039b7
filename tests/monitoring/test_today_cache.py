"""The Today list's cached rows (issue 20 item 2): a refresh with nothing written reads no
patient data; every write that changes what the list shows makes the next refresh rebuild
the rows; the page and the refresh stay within their query budgets."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue.models import ProductLabel
from monitoring import ending_service, selectors, services
from monitoring.models import Escalation, MonitoringTask
from patients import services as patient_services
from tests.factories import PASSWORD, WardFactory
from tests.monitoring.conftest import CALM, FEVER_HYPOTENSION, ICE_PERFECT, discharge_today

REFRESH = {"HX-Request": "true", "X-Background-Poll": "1"}


@pytest.fixture
def builds(monkeypatch):
    """How many times the rows were built (the selector run) rather than read from cache."""
    calls = []
    original = selectors.today_list

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(selectors, "today_list", counting)
    return calls


def refresh(client, user, ward="7a"):
    client.force_login(user)
    response = client.get(reverse("monitoring:today"), {"ward": ward}, headers=REFRESH)
    assert response.status_code == 200
    return response.content.decode()


def rebuilt_after(client, user, builds, write, ward="7a") -> bool:
    refresh(client, user, ward)
    refresh(client, user, ward)
    before = len(builds)
    write()
    refresh(client, user, ward)
    return len(builds) > before


def test_a_refresh_with_nothing_written_comes_from_the_cache(monitored, client, nurse_ada, builds):
    first = refresh(client, nurse_ada)
    assert len(builds) == 1
    assert refresh(client, nurse_ada) == first
    assert len(builds) == 1


def test_the_rows_are_kept_per_role_and_language(
    monitored, client, nurse_ada, auditor_cara, builds
):
    nurse_rows = refresh(client, nurse_ada)
    auditor_rows = refresh(client, auditor_cara)
    assert "Assess" in nurse_rows and "Assess" not in auditor_rows
    client.force_login(nurse_ada)
    client.get(
        reverse("monitoring:today"),
        {"ward": "7a"},
        headers=REFRESH | {"Accept-Language": "zh-hans"},
    )
    assert len(builds) == 3


class TestEveryWriterInvalidates:
    def test_an_assessment(self, monitored, client, nurse_ada, builds):
        def write():
            services.assessment_record(
                by=nurse_ada, course=monitored, assessed_at=timezone.now(), **FEVER_HYPOTENSION
            )

        assert rebuilt_after(client, nurse_ada, builds, write)
        assert "CRS 2 ↑" in refresh(client, nurse_ada) or "CRS 2" in refresh(client, nurse_ada)

    def test_a_task_taken(self, monitored, client, nurse_ada, builds):
        services.tasks_create_due(now=timezone.now())
        task = MonitoringTask.objects.filter(course=monitored).first()
        assert rebuilt_after(
            client, nurse_ada, builds, lambda: services.task_take(by=nurse_ada, task=task)
        )

    def test_the_sweep_adding_tasks_with_its_raw_insert(self, monitored, client, nurse_ada, builds):
        assert rebuilt_after(
            client, nurse_ada, builds, lambda: services.tasks_create_due(now=timezone.now())
        )
        assert MonitoringTask.objects.filter(course=monitored).exists()

    def test_the_sweep_closing_missed_tasks(self, monitored, client, nurse_ada, builds, frozen):
        services.tasks_create_due(now=timezone.now())
        frozen.shift(timedelta(hours=14))  # into the night shift: the day's tasks were missed
        assert rebuilt_after(
            client,
            nurse_ada,
            builds,
            lambda: services.tasks_close_missed(now=timezone.now()),
        )

    def test_an_escalation_acknowledged(self, monitored, client, nurse_ada, dr_ben, builds):
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **FEVER_HYPOTENSION
        )
        escalation = Escalation.objects.get(course=monitored)
        assert "Escalated" in refresh(client, nurse_ada)
        assert rebuilt_after(
            client,
            nurse_ada,
            builds,
            lambda: services.escalation_acknowledge(by=dr_ben, escalation=escalation),
        )
        assert "Escalated" not in refresh(client, nurse_ada)

    def test_an_intervention(self, monitored, client, nurse_ada, dr_ben, builds):
        def write():
            services.intervention_record(
                by=dr_ben,
                course=monitored,
                kind="tocilizumab",
                given_at=timezone.now(),
                drug="tocilizumab",
                dose_mg=services.tocilizumab_recommended_dose(monitored).dose_mg,
                route="iv",
            )

        assert rebuilt_after(client, nurse_ada, builds, write)

    def test_a_discharge(self, monitored, client, nurse_ada, dr_ben, builds):
        def write():
            discharge_today(monitored, dr_ben)

        assert rebuilt_after(client, nurse_ada, builds, write)
        assert 'data-testid="outpatient"' in refresh(client, nurse_ada)

    def test_the_end_of_monitoring(self, frozen, patient_7a, client, nurse_ada, dr_ben, builds):
        from tests.monitoring.conftest import course_in_monitoring

        course = course_in_monitoring(patient_7a, dr_ben, day0=date(2026, 5, 20))
        services.assessment_record(
            by=nurse_ada,
            course=course,
            assessed_at=timezone.now() - timedelta(hours=1),
            **CALM,
            **ICE_PERFECT,
        )

        def write():
            ending_service.monitoring_end(
                by=dr_ben, course=course, reason="Well, grades 0.", password=PASSWORD
            )

        assert rebuilt_after(client, nurse_ada, builds, write)
        assert patient_7a.mrn not in refresh(client, nurse_ada)

    def test_a_transfer_to_another_ward(self, monitored, client, nurse_ada, builds):
        icu = WardFactory(code="icu", name="ICU")

        def write():
            patient_services.patient_transfer(
                by=nurse_ada, patient=monitored.patient, to_ward=icu, reason="CRS grade 3"
            )

        assert rebuilt_after(client, nurse_ada, builds, write)
        assert monitored.patient.mrn not in refresh(client, nurse_ada)

    def test_a_patient_renamed(self, monitored, client, nurse_ada, dr_ben, builds):
        patient = monitored.patient

        def write():
            patient_services.patient_update(
                by=dr_ben,
                patient=patient,
                expected_version=patient.version,
                reason="Spelling",
                family_name="Lyu",
            )

        assert rebuilt_after(client, nurse_ada, builds, write)
        assert "LYU" in refresh(client, nurse_ada)

    def test_a_label_window_changed(self, monitored, client, nurse_ada, builds):
        def write():
            label = ProductLabel.objects.get(product=monitored.product)
            label.monitoring_window_days = 1
            label.save()

        assert rebuilt_after(client, nurse_ada, builds, write)


class TestTheClock:
    def test_a_task_coming_due_shows_without_any_write(self, monitored, client, nurse_ada, frozen):
        services.tasks_create_due(now=timezone.now())
        task = MonitoringTask.objects.filter(course=monitored).order_by("due_at").first()
        frozen.move_to(task.due_at - timedelta(hours=1))
        assert 'data-testid="task-due"' not in refresh(client, nurse_ada)
        frozen.move_to(task.due_at - timedelta(minutes=29))
        assert 'data-testid="task-due"' in refresh(client, nurse_ada)
        frozen.move_to(task.due_at + timedelta(minutes=16))
        assert 'data-testid="task-overdue"' in refresh(client, nurse_ada)


class TestQueries:
    def test_the_full_page_within_nine_and_the_refresh_within_four(
        self, monitored, client, nurse_ada, django_assert_max_num_queries
    ):
        client.force_login(nurse_ada)
        url = reverse("monitoring:today")
        client.get(url, {"ward": "7a"})  # the session's first request warms its caches
        services.assessment_record(
            by=nurse_ada, course=monitored, assessed_at=timezone.now(), **CALM
        )
        with django_assert_max_num_queries(9):  # rows rebuilt: the assessment bumped 7A
            assert client.get(url, {"ward": "7a"}).status_code == 200
        # Refresh: session, user, roles, the wards; no patient data (the sweep bumps the
        # wards it adds tasks to: no newest-task query).
        with django_assert_max_num_queries(4):
            assert client.get(url, {"ward": "7a"}, headers=REFRESH).status_code == 200
