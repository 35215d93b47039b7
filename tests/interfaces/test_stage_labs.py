"""Issue 18 end to end: lab results over the real HL7 listener (MLLP) and over FHIR HTTP fill
an open screening (the CAR-HEMATOTOX inputs) and a planned collection's ALC/CD3+; the pages
mark them "Lab system"; a typed edit flips the source; an older result does not overwrite."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apheresis import services as apheresis_services
from core import units
from eligibility import selectors
from eligibility.forms import MEASURED_LABS
from tests.apheresis.conftest import GOOD_SCHEDULE, consented_course
from tests.eligibility.conftest import FIT_FIELDS, frozen, screened_course  # noqa: F401
from tests.eligibility.test_views import screening_post
from tests.interfaces.conftest import msa, msh, pid, send
from tests.interfaces.test_fhir import call, token  # noqa: F401


def oru(control_id: str, when: str, *obx: str) -> str:
    return "\r".join(
        [msh("R01", control_id, code="ORU"), pid("CQ7A0001"), f"OBR|1||{control_id}|CBC|||{when}"]
        + list(obx)
    )


HB = "OBX|1|NM|718-7^Hemoglobin^LN||75|g/L|||||F"
PLT = "OBX|2|NM|777-3^Platelets^LN||40|10*9/L|||||F"
ANC = "OBX|3|NM|751-8^Neutrophils^LN||900|/uL|||||F"
CRP = "OBX|4|NM|1988-5^CRP^LN||45|mg/L|||||F"
FERRITIN = "OBX|5|NM|2276-4^Ferritin^LN||2500|ug/L|||||F"
ALC = "OBX|1|NM|731-0^Lymphocytes^LN||650|/uL|||||F"
CD3 = "OBX|2|NM|8124-0^CD3 cells^LN||380|/uL|||||F"


@pytest.fixture
def in_screening(frozen, patient_7a, dr_ben, transactional_db):  # noqa: F811
    """Screened (typed) at 09:00; results below are from samples taken at 11:00 and later."""
    course = screened_course(patient_7a, dr_ben)
    frozen.move_to("2026-06-15 14:00 +08:00")
    return course


@pytest.fixture
def planned(frozen, patient_7a, dr_ben, coordinator_cai, transactional_db):  # noqa: F811
    course = consented_course(patient_7a, dr_ben)
    schedule = apheresis_services.schedule_create(
        by=coordinator_cai, course=course, **GOOD_SCHEDULE
    )
    frozen.move_to("2026-06-15 14:00 +08:00")
    return schedule


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestHl7ToScreening:
    def test_cbc_and_markers_fill_the_screening_and_change_car_hematotox(
        self, listener, in_screening, dr_ben, client
    ):
        assessment = selectors.screening_for_course(in_screening)
        assert selectors.evaluate(assessment).risks.hematotox.group == "low"
        ack = send(listener, oru("S1", "20260615110000", HB, PLT, ANC, CRP, FERRITIN))
        assert msa(ack)[1] == "AA", ack
        assessment.refresh_from_db()
        assert (
            assessment.haemoglobin_g_dl,
            assessment.platelets_10e9_l,
            assessment.anc_10e9_l,
            assessment.crp_mg_dl,
            assessment.ferritin_ng_ml,
        ) == (Decimal("7.5"), Decimal("40"), Decimal("0.9"), Decimal("4.5"), Decimal("2500"))
        assert selectors.evaluate(assessment).risks.hematotox.group == "high"
        assert assessment.lab_sources["haemoglobin_g_dl"]["message"] == "HL7 S1"

        client.force_login(dr_ben)
        page = client.get(reverse("eligibility:course", args=[in_screening.pk])).content.decode()
        assert page.count('data-testid="lab-system-badge"') == 5
        assert 'data-field="haemoglobin_g_dl"' in page and 'data-field="ldh_u_l"' not in page
        body = api(dr_ben).get(f"/api/eligibility/screenings/{assessment.pk}/").json()
        assert body["lab_sources"]["crp_mg_dl"]["source"] == "lab_system"

        # A typed edit through the API flips that value to typed; lab_sources is read-only.
        response = api(dr_ben).patch(
            f"/api/eligibility/screenings/{assessment.pk}/",
            {"haemoglobin_g_dl": "8.2", "version": assessment.version, "lab_sources": {}},
            format="json",
        )
        assert response.status_code == 200, response.json()
        sources = response.json()["lab_sources"]
        assert sources["haemoglobin_g_dl"]["source"] == "typed"
        assert sources["crp_mg_dl"]["source"] == "lab_system"
        page = client.get(reverse("eligibility:course", args=[in_screening.pk])).content.decode()
        assert page.count('data-testid="lab-system-badge"') == 4

    def test_an_older_result_does_not_overwrite_a_newer_one(self, listener, in_screening):
        send(listener, oru("S2", "20260615120000", HB))
        ack = send(listener, oru("S3", "20260615110000", "OBX|1|NM|718-7^Hb^LN||13.5|g/dL|||||F"))
        assert msa(ack)[1] == "AA"
        assessment = selectors.screening_for_course(in_screening)
        assert assessment.haemoglobin_g_dl == Decimal("7.5")
        assert assessment.lab_sources["haemoglobin_g_dl"]["message"] == "HL7 S2"

    def test_a_typed_page_edit_flips_the_source(self, listener, in_screening, dr_ben, client):
        send(listener, oru("S4", "20260615110000", HB, CRP))
        assessment = selectors.screening_for_course(in_screening)
        client.force_login(dr_ben)
        url = reverse("eligibility:screening_edit", args=[in_screening.pk])
        canonical_units = {
            f"{field}_unit": units.QUANTITIES[quantity].canonical
            for field, (quantity, _places) in MEASURED_LABS.items()
        }
        fields = {**FIT_FIELDS, "haemoglobin_g_dl": "9.9", "crp_mg_dl": "4.50"}
        response = client.post(url, screening_post(assessment, fields, **canonical_units))
        assert response.status_code == 302, response.content.decode()[:3000]
        assessment.refresh_from_db()
        assert assessment.haemoglobin_g_dl == Decimal("9.9")
        assert assessment.lab_sources["haemoglobin_g_dl"]["source"] == "typed"
        assert assessment.lab_sources["crp_mg_dl"]["source"] == "lab_system"


class TestHl7ToCollection:
    def test_alc_and_cd3_fill_the_planned_collection(
        self, listener, planned, coordinator_cai, client
    ):
        ack = send(listener, oru("C1", "20260615110000", ALC, CD3))
        assert msa(ack)[1] == "AA", ack
        planned.refresh_from_db()
        assert (planned.alc_10e9_l, planned.cd3_cells_per_ul) == (Decimal("0.65"), 380)
        assert planned.counts_drawn_on.isoformat() == "2026-06-15"
        client.force_login(coordinator_cai)
        page = client.get(reverse("apheresis:course", args=[planned.course_id])).content.decode()
        assert page.count('data-testid="lab-system-badge"') == 2
        body = api(coordinator_cai).get(f"/api/apheresis/schedules/{planned.pk}/").json()
        assert body["lab_sources"]["alc_10e9_l"]["message"] == "HL7 C1"


class TestFhirToScreening:
    def test_observation_fills_the_screening_once(self, live_server, token, in_screening):  # noqa: F811
        resource = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
            "subject": {"reference": "Patient/CQ7A0001"},
            "effectiveDateTime": "2026-06-15T11:00:00+08:00",
            "valueQuantity": {"value": 75, "unit": "g/L", "code": "g/L"},
        }
        status, body = call(live_server, "PUT", "Observation/H1", resource, token)
        assert status == 200, body
        assessment = selectors.screening_for_course(in_screening)
        assert assessment.haemoglobin_g_dl == Decimal("7.5")
        assert assessment.lab_sources["haemoglobin_g_dl"]["message"] == "FHIR Observation/H1"
        older = resource | {"effectiveDateTime": "2026-06-15T10:00:00+08:00"}
        older["valueQuantity"] = {"value": 14, "unit": "g/dL", "code": "g/dL"}
        status, body = call(live_server, "PUT", "Observation/H0", older, token)
        assert status == 200, body
        assessment.refresh_from_db()
        assert assessment.haemoglobin_g_dl == Decimal("7.5")
