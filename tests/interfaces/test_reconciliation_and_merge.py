"""Reconciliation tasks decided by a person; merges through the service; the interface
pages for administrators."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from interfaces import services
from interfaces.models import InboundMessage, MessageStatus
from patients import services as patient_services
from patients.models import Patient
from tests.factories import PatientFactory, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(patient_7a):
    message = InboundMessage.objects.create(
        channel="hl7", raw=b"MSH|...", status=MessageStatus.REVIEW, control_id="U2"
    )
    return services.reconciliation_open(
        patient=patient_7a,
        message=message,
        differences={
            "family_name": {"ours": "Liu", "his": "Lu"},
            "date_of_birth": {"ours": "1970-05-17", "his": "1970-05-18"},
        },
    )


class TestReconciliation:
    def test_clinician_takes_the_his_values_through_the_patient_service(
        self, client, task, dr_ben, patient_7a
    ):
        client.force_login(dr_ben)
        page = client.get(reverse("interfaces:reconciliations")).content.decode()
        assert "Lu" in page and "1970-05-18" in page
        client.post(
            reverse("interfaces:reconciliation_resolve", args=[task.pk]),
            {"decision": "his", "note": "Checked the ID card"},
        )
        patient_7a.refresh_from_db()
        assert (patient_7a.family_name, str(patient_7a.date_of_birth)) == ("Lu", "1970-05-18")
        assert Patient.history.filter(id=patient_7a.pk).first().history_user == dr_ben
        task.refresh_from_db()
        assert (task.status, task.resolved_by) == ("accepted", dr_ben)

    def test_administrator_may_keep_ours_but_not_change_the_record(
        self, task, admin_alex, patient_7a
    ):
        with pytest.raises(PermissionDenied):
            services.reconciliation_resolve(by=admin_alex, reconciliation=task, take_his=True)
        services.reconciliation_resolve(by=admin_alex, reconciliation=task, take_his=False)
        patient_7a.refresh_from_db()
        assert patient_7a.family_name == "Liu"
        with pytest.raises(ValidationError):
            services.reconciliation_resolve(by=admin_alex, reconciliation=task, take_his=False)

    def test_nurse_and_auditor_are_refused(self, client, task, nurse_ada, auditor_cara):
        for user in (nurse_ada, auditor_cara):
            client.force_login(user)
            assert client.get(reverse("interfaces:reconciliations")).status_code == 403
            url = reverse("interfaces:reconciliation_resolve", args=[task.pk])
            assert client.post(url, {"decision": "ours"}).status_code == 403
        task.refresh_from_db()
        assert task.status == "open"


class TestMerge:
    def test_both_records_with_a_course_under_way_are_not_merged(self, patient_7a, dr_ben, ward_7a):
        other = PatientFactory(mrn="DUP2", ward=ward_7a, attending_clinician=dr_ben)
        patient_services.course_open(by=dr_ben, patient=patient_7a, product=product())
        patient_services.course_open(by=dr_ben, patient=other, product=product())
        with pytest.raises(ValidationError, match="Both records"):
            patient_services.patient_merge(by=dr_ben, merged=other, survivor=patient_7a, reason="x")
        other.refresh_from_db()
        assert other.merged_into is None

    def test_merged_record_leaves_the_lists_and_keeps_its_history(
        self, client, patient_7a, dr_ben, ward_7a
    ):
        other = PatientFactory(mrn="DUP3", ward=ward_7a, attending_clinician=dr_ben)
        patient_services.patient_merge(by=dr_ben, merged=other, survivor=patient_7a, reason="x")
        client.force_login(dr_ben)
        assert "DUP3" not in client.get(reverse("patients:list")).content.decode()
        survivor_page = client.get(reverse("patients:detail", args=[patient_7a.pk]))
        assert "Record DUP3 merged into this one" in survivor_page.content.decode()
        assert Patient.history.filter(id=other.pk).count() == 2
        with pytest.raises(ValidationError):
            patient_services.patient_merge(
                by=dr_ben, merged=other, survivor=patient_7a, reason="again"
            )

    def test_a_nurse_cannot_merge(self, patient_7a, nurse_ada, ward_7a, dr_ben):
        other = PatientFactory(mrn="DUP4", ward=ward_7a, attending_clinician=dr_ben)
        with pytest.raises(PermissionDenied):
            patient_services.patient_merge(
                by=nurse_ada, merged=other, survivor=patient_7a, reason="x"
            )


class TestMessagePages:
    def test_only_administrators_see_and_replay_messages(
        self, client, admin_alex, dr_ben, auditor_cara
    ):
        message = InboundMessage.objects.create(
            channel="hl7", raw=b"garbage", status=MessageStatus.REJECTED
        )
        for user in (dr_ben, auditor_cara):
            client.force_login(user)
            assert client.get(reverse("interfaces:messages")).status_code == 403
            assert client.post(reverse("interfaces:replay", args=[message.pk])).status_code == 403
        client.force_login(admin_alex)
        assert client.get(reverse("interfaces:message", args=[message.pk])).status_code == 200
        client.post(reverse("interfaces:replay", args=[message.pk]))
        message.refresh_from_db()
        assert message.attempts == 1 and message.status == MessageStatus.REJECTED
