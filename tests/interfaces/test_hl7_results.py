"""ORU^R01 over the listener: results mapped by LOINC or the local-code table land on the
monitoring chart marked as from the lab system; typed values stay marked typed."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interfaces.models import InboundMessage, LocalLabCode, MessageStatus
from monitoring.models import LabResult, LabSource
from tests.interfaces.conftest import msa, msh, pid, send
from tests.monitoring.conftest import course_in_monitoring, frozen  # noqa: F401


@pytest.fixture
def monitored_liu(frozen, patient_7a, dr_ben, transactional_db):  # noqa: F811
    return course_in_monitoring(patient_7a, dr_ben)


def oru(control_id: str, *obx: str, mrn: str = "CQ7A0001") -> str:
    return "\r".join(
        [
            msh("R01", control_id, code="ORU"),
            pid(mrn),
            "OBR|1||L1|CBC^Panel^L|||20260615070000",
            *obx,
        ]
    )


CRP = "OBX|1|NM|1988-5^C reactive protein^LN||4.2|mg/dL|||||F"
FERRITIN = "OBX|2|NM|2276-4^Ferritin^LN||1500|ng/mL|||||F"
FIBRINOGEN = "OBX|3|NM|3255-7^Fibrinogen^LN||180|mg/dL|||||F"
ANC = "OBX|4|NM|751-8^Neutrophils^LN||0.4|10*9/L|||||F"
PLATELETS = "OBX|5|NM|777-3^Platelets^LN||45|10*3/uL|||||F|||20260615071500"


class TestOru:
    def test_loinc_results_land_on_the_chart_marked_lab_system(
        self, listener, monitored_liu, dr_ben, client
    ):
        ack = send(listener, oru("L1", CRP, FERRITIN, FIBRINOGEN, ANC, PLATELETS))
        assert msa(ack)[1] == "AA", ack
        values = {r.analyte: str(r.value) for r in LabResult.objects.all()}
        assert values == {
            "crp": "42.00",
            "ferritin": "1500.00",
            "fibrinogen": "1.80",
            "anc": "0.40",
            "platelets": "45.00",
        }
        assert set(LabResult.objects.values_list("source", flat=True)) == {LabSource.LAB_SYSTEM}
        platelets = LabResult.objects.get(analyte="platelets")
        assert timezone.localtime(platelets.measured_at).strftime("%H:%M") == "07:15"
        client.force_login(dr_ben)
        page = client.get(reverse("monitoring:course", args=[monitored_liu.pk])).content.decode()
        assert page.count('data-testid="lab-source"') == 5 and "Lab system" in page

    def test_the_same_result_sent_twice_is_stored_once(self, listener, monitored_liu):
        send(listener, oru("L2", CRP))
        send(listener, oru("L2", CRP))
        assert LabResult.objects.count() == 1

    def test_local_code_table_maps_a_code_without_loinc(self, listener, monitored_liu):
        LocalLabCode.objects.create(local_code="HS-CRP", analyte="crp", unit="mg/L")
        ack = send(listener, oru("L3", "OBX|1|NM|HS-CRP^hsCRP^L||12||||||F"))
        assert msa(ack)[1] == "AA"
        assert str(LabResult.objects.get().value) == "12.00"

    def test_unmapped_code_is_accepted_and_not_charted(self, listener, monitored_liu):
        ack = send(listener, oru("L4", "OBX|1|NM|2345-7^Glucose^LN||5.1|mmol/L|||||F"))
        assert msa(ack)[1] == "AA"
        assert not LabResult.objects.exists()
        assert InboundMessage.objects.get().status == MessageStatus.IGNORED

    def test_bad_unit_fails_the_whole_message(self, listener, monitored_liu):
        ack = send(listener, oru("L5", CRP, "OBX|2|NM|2276-4^Ferritin^LN||9|furlongs|||||F"))
        assert msa(ack)[1] == "AE" and "furlongs" in ack
        assert not LabResult.objects.exists()

    def test_result_for_unknown_patient(self, listener, monitored_liu):
        ack = send(listener, oru("L6", CRP, mrn="NOBODY"))
        assert msa(ack)[1] == "AE" and "ERR|||204" in ack


class TestTypedLabs:
    def test_nurse_types_a_value_marked_typed(self, monitored_liu, nurse_ada):
        client = APIClient()
        client.force_authenticate(nurse_ada)
        response = client.post(
            "/api/lab-results/",
            {
                "course": monitored_liu.pk,
                "analyte": "crp",
                "value": "85",
                "measured_at": timezone.now().isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["source"] == "typed"

    def test_a_typed_value_cannot_claim_to_be_from_the_lab(self, monitored_liu, nurse_ada):
        from monitoring import services

        with pytest.raises(Exception, match="hospital interface"):
            services.lab_result_record(
                by=nurse_ada,
                course=monitored_liu,
                analyte="crp",
                value="5",
                measured_at=timezone.now(),
                source=LabSource.LAB_SYSTEM,
            )

    def test_other_ward_nurse_cannot_post(self, monitored_liu, nurse_dan):
        client = APIClient()
        client.force_authenticate(nurse_dan)
        response = client.post(
            "/api/lab-results/",
            {
                "course": monitored_liu.pk,
                "analyte": "crp",
                "value": "5",
                "measured_at": timezone.now().isoformat(),
            },
            format="json",
        )
        assert response.status_code == 400
