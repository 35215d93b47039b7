"""Every message type over a real MLLP connection to the running listener, and the
malformed ones: each is stored raw with its outcome and answered AA, AE or AR."""

import pytest
from django.urls import reverse

from core.models import Notification
from interfaces import hl7v2
from interfaces.models import HospitalStay, InboundMessage, MessageStatus, Reconciliation
from patients import services as patient_services
from patients.models import Patient, TreatmentCourse, WardTransfer
from tests.factories import PatientFactory, product
from tests.interfaces.conftest import adt, exchange, msa, msh, pid, pv1, send

DG1_DLBCL = "DG1|1||C83.3^Diffuse large B-cell lymphoma^I10"
WEIGHT = "OBX|1|NM|29463-7^Body weight^LN||62|kg|||||F"
HEIGHT = "OBX|2|NM|8302-2^Body height^LN||1.60|m|||||F"


@pytest.fixture
def liu(ward_7a, dr_ben):
    return PatientFactory(
        mrn="CQ7A0001",
        family_name="Liu",
        given_name="Fang",
        ward=ward_7a,
        attending_clinician=dr_ben,
    )


class TestAdmitAndRegister:
    def test_a01_registers_a_programme_patient(self, listener, ward_7a, dr_ben):
        ack = send(
            listener,
            adt("A01", "M1", pid("CQ9"), pv1("7a"), WEIGHT, HEIGHT, DG1_DLBCL),
        )
        assert msa(ack)[1:3] == ["AA", "M1"]
        patient = Patient.objects.get(mrn="CQ9")
        assert (patient.ward, patient.attending_clinician, patient.diagnosis) == (
            ward_7a,
            dr_ben,
            "LBCL",
        )
        assert (patient.weight_kg, patient.height_cm) == (62, 160)
        stored = InboundMessage.objects.get()
        assert stored.status == MessageStatus.PROCESSED and stored.message_type == "ADT^A01"
        assert bytes(stored.raw).startswith(b"MSH|")
        assert HospitalStay.objects.get(patient=patient).visit_number == "V1"

    def test_a04_without_a_programme_diagnosis_is_accepted_and_not_registered(
        self, listener, ward_7a, dr_ben
    ):
        ack = send(listener, adt("A04", "M2", pid("OTHER1"), pv1("7a"), WEIGHT, HEIGHT))
        assert msa(ack)[1] == "AA"
        assert not Patient.objects.exists()
        assert InboundMessage.objects.get().status == MessageStatus.IGNORED

    def test_a01_missing_weight_is_an_application_error_kept_for_replay(
        self, listener, ward_7a, dr_ben
    ):
        ack = send(listener, adt("A01", "M3", pid("CQ9"), pv1("7a"), HEIGHT, DG1_DLBCL))
        assert msa(ack)[1] == "AE" and "weight" in msa(ack)[3]
        assert "ERR|||101" in ack
        assert InboundMessage.objects.get().status == MessageStatus.FAILED
        assert not Patient.objects.exists()

    def test_a01_for_a_known_patient_moves_the_ward(self, listener, liu, icu, nurse_ivy):
        ack = send(listener, adt("A01", "M4", pid("CQ7A0001"), pv1("icu")))
        assert msa(ack)[1] == "AA"
        liu.refresh_from_db()
        assert liu.ward == icu
        assert Notification.objects.filter(recipient=nurse_ivy).exists()


class TestTransferDischargeUpdate:
    def test_a02_transfers_through_the_service(self, listener, liu, icu, nurse_ivy, client):
        ack = send(listener, adt("A02", "T1", pid("CQ7A0001"), pv1("icu")))
        assert msa(ack)[1] == "AA", ack
        move = WardTransfer.objects.get()
        assert (move.to_ward, move.source, move.reason) == (icu, "his", "ADT^A02")
        client.force_login(nurse_ivy)
        assert client.get(reverse("patients:detail", args=[liu.pk])).status_code == 200

    def test_a02_to_an_unknown_ward_fails_and_replays_after_the_fix(
        self, listener, liu, admin_alex, client
    ):
        ack = send(listener, adt("A02", "T2", pid("CQ7A0001"), pv1("HEM-ICU")))
        assert msa(ack)[1] == "AE" and "ERR|||103" in ack
        failed = InboundMessage.objects.get()
        assert failed.status == MessageStatus.FAILED
        client.force_login(admin_alex)
        page = client.get(reverse("interfaces:messages")).content.decode()
        assert "HEM-ICU" in page and "T2" in page
        from interfaces.models import WardCode
        from tests.factories import WardFactory

        WardCode.objects.create(his_code="HEM-ICU", ward=WardFactory(code="icu2", name="ICU 2"))
        response = client.post(reverse("interfaces:replay", args=[failed.pk]))
        assert response.status_code == 302
        failed.refresh_from_db()
        assert failed.status == MessageStatus.PROCESSED and failed.attempts == 2
        liu.refresh_from_db()
        assert liu.ward.code == "icu2"

    def test_a03_discharges_the_stay(self, listener, liu):
        send(listener, adt("A01", "D0", pid("CQ7A0001"), pv1("7a", visit="V9")))
        ack = send(listener, adt("A03", "D1", pid("CQ7A0001"), pv1("7a", visit="V9")))
        assert msa(ack)[1] == "AA"
        assert HospitalStay.objects.get(visit_number="V9").discharged_at is not None

    def test_a08_updates_sex_but_a_name_mismatch_opens_reconciliation(self, listener, liu):
        ack = send(listener, adt("A08", "U1", pid("CQ7A0001", sex="M"), pv1("7a")))
        assert msa(ack)[1] == "AA"
        liu.refresh_from_db()
        assert liu.sex == "M"
        ack = send(listener, adt("A08", "U2", pid("CQ7A0001", family="Lu"), pv1("7a")))
        assert msa(ack)[1] == "AA"
        liu.refresh_from_db()
        assert liu.family_name == "Liu"
        task = Reconciliation.objects.get()
        assert task.differences == {"family_name": {"ours": "Liu", "his": "Lu"}}
        assert InboundMessage.objects.get(control_id="U2").status == MessageStatus.REVIEW

    def test_unknown_patient_is_an_application_error(self, listener, ward_7a):
        ack = send(listener, adt("A08", "U3", pid("NOBODY"), pv1("7a")))
        assert msa(ack)[1:3] == ["AE", "U3"] and "ERR|||204" in ack
        assert InboundMessage.objects.get().status == MessageStatus.FAILED


class TestMerge:
    def test_a40_moves_courses_to_the_survivor(self, listener, liu, dr_ben, ward_7a):
        duplicate = PatientFactory(mrn="DUP1", ward=ward_7a, attending_clinician=dr_ben)
        course = patient_services.course_open(by=dr_ben, patient=duplicate, product=product())
        ack = send(
            listener,
            adt("A40", "G1", pid("CQ7A0001"), "MRG|DUP1^^^CQH^MR"),
        )
        assert msa(ack)[1] == "AA", ack
        course.refresh_from_db()
        duplicate.refresh_from_db()
        assert course.patient == liu and duplicate.merged_into == liu
        assert TreatmentCourse.history.filter(id=course.pk).count() == 2
        # Later messages for the old MRN find the surviving record.
        send(listener, adt("A08", "G2", pid("DUP1", family="Liu", sex="M"), pv1("7a")))
        liu.refresh_from_db()
        assert liu.sex == "M"


class TestMalformed:
    def test_gb18030_names_arrive_intact(self, listener, ward_7a, dr_ben):
        message = adt(
            "A01",
            "C1",
            pid("CQ8", family="宋", given="玲"),
            pv1("7a"),
            WEIGHT,
            HEIGHT,
            DG1_DLBCL,
            charset="GB 18030-2000",
        )
        ack = send(listener, message, encoding="gb18030")
        assert msa(ack)[1] == "AA"
        patient = Patient.objects.get(mrn="CQ8")
        assert (patient.family_name, patient.given_name) == ("宋", "玲")
        assert InboundMessage.objects.get().charset == "gb18030"

    def test_wrong_encoding_is_rejected_and_kept(self, listener, ward_7a):
        message = adt("A01", "C2", pid("CQ8", family="宋"), pv1("7a"))  # says UTF-8
        ack = send(listener, message, encoding="gb18030")
        assert msa(ack)[1] == "AR" and "ERR|||102" in ack
        stored = InboundMessage.objects.get()
        assert stored.status == MessageStatus.REJECTED
        assert bytes(stored.raw) == message.encode("gb18030")

    def test_bad_segment_is_rejected(self, listener):
        ack = send(listener, msh("A01", "B1") + "\rPID|1||X^^^CQH^MR\rthis is not a segment")
        assert msa(ack)[1:3] == ["AR", ""] and "ERR|||100" in ack
        assert InboundMessage.objects.get().status == MessageStatus.REJECTED

    def test_not_hl7_at_all_is_rejected(self, listener):
        ack = send(listener, "GET / HTTP/1.1")
        assert msa(ack)[1] == "AR"
        assert bytes(InboundMessage.objects.get().raw) == b"GET / HTTP/1.1"

    def test_unsupported_type_is_rejected(self, listener):
        ack = send(listener, adt("A05", "X1", pid("CQ1")))
        assert msa(ack)[1:3] == ["AR", "X1"] and "ERR|||200" in ack

    def test_a_resent_message_is_not_applied_twice(self, listener, liu, icu, ward_7a):
        first, second = exchange(
            listener,
            *[hl7v2.frame(adt("A02", "R1", pid("CQ7A0001"), pv1("icu")).encode())] * 2,
        )
        assert msa(first)[1] == msa(second)[1] == "AA"
        assert WardTransfer.objects.count() == 1
        assert InboundMessage.objects.count() == 2
