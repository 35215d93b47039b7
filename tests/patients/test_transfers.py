"""Ward transfers: the patient moves, and with her the nurses who see her, the Today list,
open monitoring tasks and reminders; the receiving ward is told; the chart shows the moves."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Notification
from core.roles import Role
from monitoring import services as monitoring_services
from monitoring.models import InterventionKind, MonitoringTask, Reminder
from patients import services
from patients.models import Patient, TransferSource, WardTransfer
from tests.factories import UserFactory, WardFactory
from tests.monitoring.conftest import course_in_monitoring, frozen  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def icu(db):
    return WardFactory(code="icu", name="Haematology ICU")


@pytest.fixture
def nurse_ivy(icu):
    """Ivy, a nurse of the ICU."""
    return UserFactory(username="ivy", first_name="Ivy", roles=[Role.NURSE], wards=[icu])


@pytest.fixture
def in_monitoring(frozen, patient_7a, dr_ben):  # noqa: F811
    return course_in_monitoring(patient_7a, dr_ben)


def today_body(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("monitoring:today")).content.decode()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestTransferMovesTheCare:
    def test_today_list_moves_from_7a_to_the_icu_nurse(
        self, client, in_monitoring, nurse_ada, nurse_ivy, dr_ben, icu
    ):
        assert "CQ7A0001" in today_body(client, nurse_ada)
        assert "CQ7A0001" not in today_body(client, nurse_ivy)
        services.patient_transfer(
            by=nurse_ada, patient=in_monitoring.patient, to_ward=icu, reason="CRS grade 3"
        )
        assert "CQ7A0001" not in today_body(client, nurse_ada)
        assert "CQ7A0001" in today_body(client, nurse_ivy)
        client.force_login(nurse_ada)
        url = reverse("patients:detail", args=[in_monitoring.patient_id])
        assert client.get(url).status_code == 404
        client.force_login(nurse_ivy)
        assert client.get(url).status_code == 200

    def test_open_tasks_and_reminders_go_to_the_new_ward(
        self, in_monitoring, nurse_ada, nurse_eve, nurse_ivy, icu
    ):
        monitoring_services.tasks_create_due(now=timezone.now())
        open_tasks = set(MonitoringTask.objects.filter(done_at__isnull=True))
        assert open_tasks
        services.patient_transfer(
            by=nurse_ada, patient=in_monitoring.patient, to_ward=icu, reason="CRS grade 3"
        )
        monitoring_services.monitoring_sweep()
        reminders = Reminder.objects.filter(task__course=in_monitoring)
        assert reminders.exists()
        sent = Notification.objects.filter(source_key__startswith="reminder:")
        assert {n.recipient for n in sent} == {nurse_ivy}
        assert set(MonitoringTask.objects.filter(done_at__isnull=True)) >= open_tasks

    def test_receiving_nurses_are_told_once(self, patient_7a, nurse_ada, nurse_ivy, icu):
        UserFactory(username="off", roles=[Role.NURSE], wards=[icu], is_active=False)
        transfer = services.patient_transfer(
            by=nurse_ada, patient=patient_7a, to_ward=icu, reason="CRS grade 3"
        )
        notices = Notification.objects.filter(source_key=f"ward-transfer:{transfer.pk}")
        assert [n.recipient for n in notices] == [nurse_ivy]
        assert notices[0].link == reverse("patients:detail", args=[patient_7a.pk])
        assert "Haematology ICU" in notices[0].subject

    def test_history_and_timeline_are_kept(self, patient_7a, ward_7a, dr_ben, icu):
        services.patient_transfer(by=dr_ben, patient=patient_7a, to_ward=icu, reason="ICU")
        services.patient_transfer(by=dr_ben, patient=patient_7a, to_ward=ward_7a, reason="Back")
        moves = list(WardTransfer.objects.filter(patient=patient_7a))
        assert [(m.from_ward.code, m.to_ward.code) for m in moves] == [("7a", "icu"), ("icu", "7a")]
        history = Patient.history.filter(id=patient_7a.pk).order_by("history_id")
        assert [h.ward.code for h in history] == ["7a", "icu", "7a"]
        assert history.last().history_change_reason.startswith("Transferred to Haematology 7A")


class TestTransferRefusals:
    def test_nurse_of_another_ward_is_refused(self, patient_7a, nurse_dan, icu):
        with pytest.raises(PermissionDenied):
            services.patient_transfer(by=nurse_dan, patient=patient_7a, to_ward=icu, reason="x")
        assert not WardTransfer.objects.exists()

    def test_auditor_is_refused(self, patient_7a, auditor_cara, icu):
        with pytest.raises(PermissionDenied):
            services.patient_transfer(by=auditor_cara, patient=patient_7a, to_ward=icu, reason="x")

    @pytest.mark.parametrize(
        ("to_same", "reason", "shift", "field"),
        [
            (True, "ICU", timedelta(0), "to_ward"),
            (False, "  ", timedelta(0), "reason"),
            (False, "ICU", timedelta(hours=2), "transferred_at"),
        ],
    )
    def test_bad_input_changes_nothing(
        self, patient_7a, ward_7a, dr_ben, icu, to_same, reason, shift, field
    ):
        with pytest.raises(ValidationError) as error:
            services.patient_transfer(
                by=dr_ben,
                patient=patient_7a,
                to_ward=ward_7a if to_same else icu,
                reason=reason,
                transferred_at=timezone.now() + shift,
            )
        assert field in error.value.message_dict
        patient_7a.refresh_from_db()
        assert patient_7a.ward == ward_7a and not WardTransfer.objects.exists()

    def test_closed_ward_is_refused(self, patient_7a, dr_ben):
        closed = WardFactory(code="old", name="Old ward", active=False)
        with pytest.raises(ValidationError):
            services.patient_transfer(by=dr_ben, patient=patient_7a, to_ward=closed, reason="x")

    def test_editing_the_ward_on_the_record_is_a_transfer(self, patient_7a, dr_ben, icu):
        services.patient_update(
            by=dr_ben, patient=patient_7a, expected_version=patient_7a.version, ward=icu
        )
        move = WardTransfer.objects.get()
        assert (move.to_ward, move.recorded_by) == (icu, dr_ben)


class TestIcuIntervention:
    def test_icu_transfer_on_the_chart_moves_the_patient(
        self, client, in_monitoring, nurse_ada, nurse_ivy, icu
    ):
        monitoring_services.intervention_record(
            by=nurse_ada,
            course=in_monitoring,
            kind=InterventionKind.ICU_TRANSFER,
            given_at=timezone.now(),
            to_ward=icu,
        )
        move = WardTransfer.objects.get()
        assert (move.to_ward, move.source) == (icu, TransferSource.MONITORING)
        assert "CQ7A0001" in today_body(client, nurse_ivy)

    def test_only_icu_interventions_move_the_ward(self, in_monitoring, nurse_ada, icu):
        with pytest.raises(ValidationError):
            monitoring_services.intervention_record(
                by=nurse_ada,
                course=in_monitoring,
                kind=InterventionKind.TOCILIZUMAB,
                given_at=timezone.now(),
                to_ward=icu,
            )
        assert not WardTransfer.objects.exists()

    def test_icu_transfer_through_the_api(self, in_monitoring, nurse_ada, icu):
        response = api(nurse_ada).post(
            "/api/interventions/",
            {
                "course": in_monitoring.pk,
                "kind": "icu_transfer",
                "given_at": timezone.now().isoformat(),
                "to_ward": "icu",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        in_monitoring.patient.refresh_from_db()
        assert in_monitoring.patient.ward == icu


class TestPageAndApi:
    def test_sending_nurse_uses_the_page_and_lands_on_her_list(
        self, client, patient_7a, nurse_ada, icu
    ):
        client.force_login(nurse_ada)
        url = reverse("patients:transfer", args=[patient_7a.pk])
        assert client.get(url).status_code == 200
        detail = client.get(reverse("patients:detail", args=[patient_7a.pk])).content.decode()
        assert url in detail
        response = client.post(
            url,
            {
                "to_ward": icu.pk,
                "reason": "CRS grade 3",
                "transferred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert response.status_code == 302 and response["Location"] == reverse("patients:list")
        patient_7a.refresh_from_db()
        assert patient_7a.ward == icu

    def test_clinician_sees_the_ward_timeline(self, client, patient_7a, dr_ben, icu):
        services.patient_transfer(by=dr_ben, patient=patient_7a, to_ward=icu, reason="CRS 3")
        client.force_login(dr_ben)
        body = client.get(reverse("patients:detail", args=[patient_7a.pk])).content.decode()
        assert "Haematology 7A → Haematology ICU" in body and "CRS 3" in body

    def test_page_refuses_other_ward_nurse_and_auditor(
        self, client, patient_7a, nurse_dan, auditor_cara
    ):
        url = reverse("patients:transfer", args=[patient_7a.pk])
        client.force_login(nurse_dan)
        assert client.get(url).status_code == 404
        client.force_login(auditor_cara)
        assert client.get(url).status_code == 403

    def test_api_transfer_and_timeline(self, patient_7a, nurse_ada, dr_ben, icu):
        response = api(nurse_ada).post(
            f"/api/patients/{patient_7a.pk}/transfer/",
            {"to_ward": "icu", "reason": "CRS grade 3"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["from_ward"] == "7a"
        timeline = api(dr_ben).get(f"/api/patients/{patient_7a.pk}/transfers/").json()
        assert [(t["from_ward"], t["to_ward"]) for t in timeline] == [("7a", "icu")]

    def test_api_refuses_and_explains(self, patient_7a, nurse_dan, auditor_cara, dr_ben, icu):
        url = f"/api/patients/{patient_7a.pk}/transfer/"
        assert api(nurse_dan).post(url, {"to_ward": "icu", "reason": "x"}).status_code == 404
        assert api(auditor_cara).post(url, {"to_ward": "icu", "reason": "x"}).status_code == 403
        response = api(dr_ben).post(url, {"to_ward": "7a", "reason": "x"}, format="json")
        assert response.status_code == 400 and "to_ward" in response.json()
