"""FHIR R4 inbound over real HTTP (the live server): Patient, Encounter and Observation by
the interface account's token, mapped to the same services; OperationOutcome on errors."""

import json
import urllib.error
import urllib.request

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from interfaces.models import InboundMessage, MessageStatus, Reconciliation
from interfaces.services import interface_account
from monitoring.models import LabResult, LabSource
from patients.models import WardTransfer
from tests.monitoring.conftest import course_in_monitoring

MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


@pytest.fixture
def token(transactional_db):
    return Token.objects.create(user=interface_account()).key


def call(live_server, method, path, body, token=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(f"{live_server.url}/fhir/{path}", data=data, method=method)
    request.add_header("Content-Type", "application/fhir+json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def patient_resource(mrn="CQ7A0001", family="Liu", gender="male"):
    return {
        "resourceType": "Patient",
        "identifier": [{"type": MR, "value": mrn}],
        "name": [{"family": family, "given": ["Fang"]}],
        "birthDate": "1970-05-17",
        "gender": gender,
    }


class TestPatient:
    def test_put_updates_a_known_patient(self, live_server, token, patient_7a):
        status, body = call(live_server, "PUT", "Patient/CQ7A0001", patient_resource(), token)
        assert status == 200, body
        patient_7a.refresh_from_db()
        assert patient_7a.sex == "M"
        assert InboundMessage.objects.get().channel == "fhir"

    def test_a_name_mismatch_opens_reconciliation(self, live_server, token, patient_7a):
        status, body = call(
            live_server, "PUT", "Patient/CQ7A0001", patient_resource(family="Lu"), token
        )
        assert status == 202 and body["resourceType"] == "OperationOutcome"
        assert Reconciliation.objects.get().differences["family_name"]["his"] == "Lu"
        patient_7a.refresh_from_db()
        assert patient_7a.family_name == "Liu"

    def test_invalid_resource_is_an_operation_outcome(self, live_server, token, patient_7a):
        bad = patient_resource() | {"birthDate": "17/05/1970"}
        status, body = call(live_server, "POST", "Patient", bad, token)
        assert status == 400
        assert body["resourceType"] == "OperationOutcome"
        assert "birthDate" in body["issue"][0]["diagnostics"]
        assert InboundMessage.objects.get().status == MessageStatus.REJECTED

    def test_unknown_patient(self, live_server, token, ward_7a):
        status, body = call(live_server, "POST", "Patient", patient_resource("NOBODY"), token)
        assert status == 422 and body["issue"][0]["code"] == "not-found"

    def test_no_token_and_a_clinician_token_are_refused(self, live_server, dr_ben, patient_7a):
        status, body = call(live_server, "POST", "Patient", patient_resource())
        assert status == 401 and body["resourceType"] == "OperationOutcome"
        ben = Token.objects.create(user=dr_ben).key
        status, body = call(live_server, "POST", "Patient", patient_resource(), ben)
        assert status == 403 and body["issue"][0]["code"] == "forbidden"
        assert not InboundMessage.objects.exists()

    def test_not_json(self, live_server, token):
        status, body = call(live_server, "POST", "Patient", None, token, raw=b"<Patient/>")
        assert status == 400 and body["issue"][0]["code"] == "structure"


class TestEncounter:
    def encounter(self, ward, status="in-progress"):
        return {
            "resourceType": "Encounter",
            "status": status,
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "IMP",
            },
            "identifier": [{"value": "V77"}],
            "subject": {"reference": "Patient/CQ7A0001"},
            "location": [{"location": {"identifier": {"value": ward}}, "status": "active"}],
        }

    def test_location_change_is_a_transfer(self, live_server, token, patient_7a, ward_7b):
        status, body = call(live_server, "PUT", "Encounter/E1", self.encounter("7b"), token)
        assert status == 200, body
        move = WardTransfer.objects.get()
        assert (move.to_ward, move.source) == (ward_7b, "his")

    def test_unknown_ward_fails_kept_for_replay(self, live_server, token, patient_7a):
        status, body = call(live_server, "PUT", "Encounter/E2", self.encounter("mars"), token)
        assert status == 422 and body["issue"][0]["code"] == "code-invalid"
        assert InboundMessage.objects.get().status == MessageStatus.FAILED

    def test_finished_encounter_discharges(self, live_server, token, patient_7a):
        call(live_server, "PUT", "Encounter/E3", self.encounter("7a"), token)
        status, _body = call(
            live_server, "PUT", "Encounter/E3", self.encounter("7a", "finished"), token
        )
        assert status == 200
        assert patient_7a.hospital_stays.get().discharged_at is not None


class TestObservation:
    def observation(self, value=4.2, unit="mg/dL"):
        return {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
            "subject": {"reference": "Patient/CQ7A0001"},
            "effectiveDateTime": timezone.now().isoformat(),
            "valueQuantity": {
                "value": value,
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        }

    def test_crp_lands_on_the_chart_once(self, live_server, token, patient_7a, dr_ben):
        course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate())
        for _ in range(2):
            status, body = call(live_server, "PUT", "Observation/O1", self.observation(), token)
            assert status == 200, body
        result = LabResult.objects.get()
        assert (result.analyte, str(result.value), result.source) == (
            "crp",
            "42.00",
            LabSource.LAB_SYSTEM,
        )

    def test_bad_unit_is_unprocessable(self, live_server, token, patient_7a, dr_ben):
        course_in_monitoring(patient_7a, dr_ben, day0=timezone.localdate())
        status, body = call(
            live_server, "POST", "Observation", self.observation(unit="mmol/L"), token
        )
        assert status == 422 and body["issue"][0]["code"] == "business-rule"
        assert not LabResult.objects.exists()

    def test_unknown_patient_is_404(self, live_server, token, ward_7a):
        resource = self.observation() | {"subject": {"reference": "Patient/NOBODY"}}
        status, body = call(live_server, "POST", "Observation", resource, token)
        assert status == 404 and body["resourceType"] == "OperationOutcome"
