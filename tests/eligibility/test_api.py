"""Screening API: same rules as the pages, through the same services."""

import pytest
from rest_framework.test import APIClient

from eligibility import selectors
from eligibility.models import ConsentRecord, MdtDecision, ScreeningAssessment
from tests.eligibility.conftest import (
    ALL_ITEMS,
    FIT_FIELDS,
    FIT_LINES,
    approved_course,
    open_course,
    pdf,
    screened_course,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

READERS = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"]
NOT_CLINICIANS = ["nurse", "apheresis_coordinator", "pharmacist", "auditor"]


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def as_json(fields):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


class TestCatalogue:
    def test_products_with_label_and_indications(self, admin_alex):
        response = api(admin_alex).get("/api/eligibility/products/axi-cel/")
        assert response.status_code == 200
        body = response.json()
        assert body["label"]["monitoring_window_days"] == 14
        assert [i["lymphodepletion_regimen_key"] for i in body["indications"]] == ["axi-cel"] * 3

    def test_thresholds(self, dr_ben):
        rows = api(dr_ben).get("/api/eligibility/thresholds/").json()["results"]
        anc = next(r for r in rows if r["key"] == "anc_min")
        assert (anc["value"], anc["unit"]) == ("1.000", "×10⁹/L")

    def test_anonymous_is_refused(self):
        assert api().get("/api/eligibility/products/").status_code in (401, 403)


class TestScreeningApi:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_list_with_the_evaluation(self, personas, patient_7a, role):
        screened_course(patient_7a, personas["clinician"])
        rows = api(personas[role]).get("/api/eligibility/screenings/").json()["results"]
        assert len(rows) == 1
        evaluation = rows[0]["evaluation"]
        assert evaluation["rule_result"] == "eligible"
        assert evaluation["hematotox"]["group"] == "low"
        assert {
            "key": "anc",
            "label": "ANC",
            "status": "met",
            "reason": "2.6 ≥ 1 ×10⁹/L",
            "unverified": False,
        } in evaluation["criteria"]

    def test_administrator_and_anonymous_are_refused(self, admin_alex, dr_ben, patient_7a):
        screened_course(patient_7a, dr_ben)
        assert api(admin_alex).get("/api/eligibility/screenings/").status_code == 403
        assert api().get("/api/eligibility/screenings/").status_code in (401, 403)

    def test_other_ward_nurse_sees_nothing(self, dr_ben, nurse_dan, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        pk = selectors.screening_for_course(course).pk
        assert api(nurse_dan).get("/api/eligibility/screenings/").json()["count"] == 0
        assert api(nurse_dan).get(f"/api/eligibility/screenings/{pk}/").status_code == 404

    def test_unknown_filter_is_refused(self, dr_ben):
        response = api(dr_ben).get("/api/eligibility/screenings/", {"stag": "screening"})
        assert response.status_code == 400

    def test_clinician_starts_and_saves_in_parts(self, dr_ben, patient_7a):
        course = open_course(patient_7a, dr_ben)
        created = api(dr_ben).post(
            "/api/eligibility/screenings/", {"course": course.pk, "ecog": 1}, format="json"
        )
        assert created.status_code == 201, created.json()
        body = created.json()
        assert (body["stage"], body["ecog"], body["version"]) == ("screening", 1, 2)
        assert body["evaluation"]["rule_result"] == "incomplete"
        payload = {
            **as_json(FIT_FIELDS),
            "prior_lines": [as_json(line) for line in FIT_LINES],
            "version": 2,
        }
        updated = api(dr_ben).patch(
            f"/api/eligibility/screenings/{body['id']}/", payload, format="json"
        )
        assert updated.status_code == 200, updated.json()
        assert updated.json()["evaluation"]["rule_result"] == "eligible"
        assert len(updated.json()["prior_lines"]) == 2

    def test_labs_sent_with_units_are_stored_in_the_field_unit(self, dr_ben, patient_7a):
        """Issue 16 item 9, same rule as the page: CRP 12 mg/L → 1.2 mg/dL (no false
        CAR-HEMATOTOX point), haemoglobin 105 g/L → 10.5 g/dL."""
        course = screened_course(patient_7a, dr_ben)
        pk = selectors.screening_for_course(course).pk
        payload = {
            "crp_mg_dl": "12",
            "haemoglobin_g_dl": "105",
            "units": {"crp_mg_dl": "mg_l", "haemoglobin_g_dl": "g_l"},
            "version": 2,
        }
        response = api(dr_ben).patch(f"/api/eligibility/screenings/{pk}/", payload, format="json")
        assert response.status_code == 200, response.json()
        assert (response.json()["crp_mg_dl"], response.json()["haemoglobin_g_dl"]) == (
            "1.20",
            "10.5",
        )
        points = {
            c["key"]: c["points"] for c in response.json()["evaluation"]["hematotox"]["components"]
        }
        assert points["crp"] == 0

    def test_a_lab_in_the_wrong_unit_gets_the_clinical_message(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        pk = selectors.screening_for_course(course).pk
        payload = {"haemoglobin_g_dl": "105", "units": {"haemoglobin_g_dl": "g_dl"}, "version": 2}
        response = api(dr_ben).patch(f"/api/eligibility/screenings/{pk}/", payload, format="json")
        assert response.status_code == 400
        assert "did you mean 10.5" in " ".join(response.json()["haemoglobin_g_dl"])

    @pytest.mark.parametrize(
        ("payload", "field", "message"),
        [
            ({"ecog": 7}, "ecog", "ECOG runs from 0 to 4."),
            ({"platelets_10e9_l": "-1"}, "platelets_10e9_l", "cannot be negative"),
            ({"assessed_on": "2026-06-20"}, "assessed_on", "cannot be in the future"),
            (
                {
                    "prior_lines": [
                        {"line_number": 1, "regimen": "R-CHOP", "start_date": "2026-09-01"}
                    ]
                },
                "prior_lines",
                "future",
            ),
        ],
    )
    def test_bad_input_is_refused(self, dr_ben, patient_7a, payload, field, message):
        course = screened_course(patient_7a, dr_ben)
        pk = selectors.screening_for_course(course).pk
        response = api(dr_ben).patch(
            f"/api/eligibility/screenings/{pk}/", {**payload, "version": 2}, format="json"
        )
        assert response.status_code == 400
        assert message in " ".join(response.json()[field])
        assert ScreeningAssessment.objects.get().version == 2

    def test_update_needs_the_version(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        pk = selectors.screening_for_course(course).pk
        response = api(dr_ben).patch(f"/api/eligibility/screenings/{pk}/", {"ecog": 0})
        assert response.status_code == 400 and "version" in response.json()
        stale = api(dr_ben).patch(
            f"/api/eligibility/screenings/{pk}/", {"ecog": 0, "version": 1}, format="json"
        )
        assert stale.status_code == 400 and "changed by" in stale.json()["version"][0]

    @pytest.mark.parametrize("role", NOT_CLINICIANS)
    def test_only_clinicians_write(self, personas, patient_7a, role):
        course = open_course(patient_7a, personas["clinician"])
        response = api(personas[role]).post(
            "/api/eligibility/screenings/", {"course": course.pk}, format="json"
        )
        assert response.status_code == 403
        course.refresh_from_db()
        assert course.stage == "referred"

    def test_a_course_the_user_may_not_see_does_not_exist(self, dr_ben, patient_7b):
        from core.roles import Role
        from tests.factories import UserFactory

        course = open_course(patient_7b, dr_ben)
        # A clinician sees the whole programme; a nurse who may not see it cannot name it.
        nurse = UserFactory(roles=[Role.NURSE])
        response = api(nurse).post(
            "/api/eligibility/screenings/", {"course": course.pk}, format="json"
        )
        assert response.status_code == 403


def _chinese(character: str) -> bool:
    return "\u4e00" <= character <= "\u9fff"


class TestDecisionApi:
    def test_approve_against_the_rules_needs_a_justification(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben, fields={**FIT_FIELDS, "anc_10e9_l": "0.4"})
        response = api(dr_ben).post(
            "/api/eligibility/decisions/",
            {"course": course.pk, "decision": "approve", "password": PASSWORD},
        )
        assert response.status_code == 400
        assert "justification" in response.json()
        response = api(dr_ben).post(
            "/api/eligibility/decisions/",
            {
                "course": course.pk,
                "decision": "approve",
                "justification": "ANC recovering after G-CSF; recheck before apheresis.",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 201
        assert response.json()["rule_result"] == "not_eligible"
        course.refresh_from_db()
        assert course.stage == "eligible"

    def test_the_criteria_snapshot_in_the_readers_language(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben, fields={**FIT_FIELDS, "lvef_percent": None})
        response = api(dr_ben).post(
            "/api/eligibility/decisions/",
            {"course": course.pk, "decision": "defer", "password": PASSWORD},
        )
        assert response.status_code == 201, response.json()
        url = f"/api/eligibility/decisions/{response.json()['id']}/"
        english = api(dr_ben).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["criteria_snapshot"]
        chinese = api(dr_ben).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["criteria_snapshot"]
        coded = [i for i, c in enumerate(english) if c["code"] != "compare"]
        assert coded, english
        for i in coded:
            # The record's English stays; the reader's text is English or Chinese.
            assert chinese[i]["reason"] == english[i]["reason"]
            assert not any(_chinese(ch) for ch in english[i]["reason_shown"])
            assert any(_chinese(ch) for ch in chinese[i]["reason_shown"])

    @pytest.mark.parametrize("role", NOT_CLINICIANS)
    def test_only_clinicians(self, personas, patient_7a, role):
        course = screened_course(patient_7a, personas["clinician"])
        response = api(personas[role]).post(
            "/api/eligibility/decisions/",
            {"course": course.pk, "decision": "approve", "password": PASSWORD},
        )
        assert response.status_code == 403
        assert not MdtDecision.objects.exists()

    def test_readers_list_and_other_ward_is_hidden(self, personas, patient_7a):
        approved_course(patient_7a, personas["clinician"])
        assert api(personas["nurse"]).get("/api/eligibility/decisions/").json()["count"] == 1
        assert api(personas["other_nurse"]).get("/api/eligibility/decisions/").json()["count"] == 0


class TestConsentApi:
    def test_multipart_upload_and_download(self, dr_ben, nurse_ada, nurse_dan, patient_7a, media):
        course = approved_course(patient_7a, dr_ben)
        response = api(dr_ben).post(
            "/api/eligibility/consents/",
            {
                "course": course.pk,
                "consented_on": "2026-06-15",
                "explained_by": dr_ben.pk,
                "document": pdf(),
                **ALL_ITEMS,
            },
            format="multipart",
        )
        assert response.status_code == 201, response.json()
        course.refresh_from_db()
        assert course.stage == "consented"
        url = response.json()["document_url"]
        download = api(nurse_ada).get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF-")
        assert api(nurse_dan).get(url).status_code == 404

    def test_bad_file_and_missing_item_are_refused(self, dr_ben, patient_7a, media):
        course = approved_course(patient_7a, dr_ben)
        items = {**ALL_ITEMS, "explained_benefit": False}
        response = api(dr_ben).post(
            "/api/eligibility/consents/",
            {
                "course": course.pk,
                "consented_on": "2026-06-15",
                "explained_by": dr_ben.pk,
                "document": pdf("x.pdf", b"GIF89a"),
                **items,
            },
            format="multipart",
        )
        assert response.status_code == 400
        assert "is not a PDF document" in response.json()["document"][0]
        assert "explained_benefit" in response.json()
        assert not ConsentRecord.objects.exists()

    def test_nurse_may_not_upload(self, dr_ben, nurse_ada, patient_7a, media):
        course = approved_course(patient_7a, dr_ben)
        response = api(nurse_ada).post(
            "/api/eligibility/consents/",
            {
                "course": course.pk,
                "consented_on": "2026-06-15",
                "explained_by": dr_ben.pk,
                "document": pdf(),
                **ALL_ITEMS,
            },
            format="multipart",
        )
        assert response.status_code == 403
