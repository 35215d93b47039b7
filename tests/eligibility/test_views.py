"""Screening pages: who may open and post what, and clear refusals that change nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from eligibility import selectors, services
from eligibility.models import ConsentRecord, MdtDecision, ScreeningAssessment
from tests.eligibility.conftest import (
    ALL_ITEMS,
    FIT_FIELDS,
    TODAY,
    approved_course,
    open_course,
    pdf,
    screened_course,
)
from tests.factories import PASSWORD, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

READERS = ["clinician", "nurse", "apheresis_coordinator", "pharmacist", "auditor"]
NOT_CLINICIANS = ["nurse", "apheresis_coordinator", "pharmacist", "auditor"]


def login(client, user):
    client.force_login(user)
    return client


def screening_post(assessment, fields=None, lines=(), washouts=(), **extra):
    data = {"version": assessment.version}
    for name, value in (fields or {}).items():
        if value is None:
            data[name] = ""
        elif isinstance(value, bool):
            data[name] = "true" if value else "false"
        else:
            data[name] = str(value)
    for prefix, rows in (("lines", lines), ("washouts", washouts)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for i, row in enumerate(rows):
            for name, value in row.items():
                data[f"{prefix}-{i}-{name}"] = value
    data.update(extra)
    return data


class TestWorklist:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_see_courses_before_consent(self, client, personas, patient_7a, role):
        screened_course(patient_7a, personas["clinician"])
        body = login(client, personas[role]).get(reverse("eligibility:worklist")).content.decode()
        assert patient_7a.mrn in body and "Eligible" in body

    def test_administrator_is_refused(self, client, admin_alex):
        assert login(client, admin_alex).get(reverse("eligibility:worklist")).status_code == 403

    def test_nurse_sees_only_her_wards(self, client, dr_ben, nurse_ada, patient_7a, patient_7b):
        open_course(patient_7a, dr_ben)
        open_course(patient_7b, dr_ben)
        body = login(client, nurse_ada).get(reverse("eligibility:worklist")).content.decode()
        assert patient_7a.mrn in body and patient_7b.mrn not in body

    def test_stage_filter(self, client, dr_ben, patient_7a, patient_7b):
        screened_course(patient_7a, dr_ben)
        open_course(patient_7b, dr_ben)
        body = (
            login(client, dr_ben)
            .get(reverse("eligibility:worklist"), {"stage": "referred"})
            .content.decode()
        )
        assert patient_7b.mrn in body and patient_7a.mrn not in body

    def test_query_count_does_not_grow_with_rows(
        self, client, dr_ben, ward_7a, django_assert_max_num_queries
    ):
        for _ in range(8):
            screened_course(PatientFactory(ward=ward_7a, attending_clinician=dr_ben), dr_ben)
        login(client, dr_ben)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("eligibility:worklist"))
        assert response.content.decode().count("text-bg-success") == 8


class TestResultPage:
    @pytest.mark.parametrize("role", READERS)
    def test_readers_see_criteria_and_risks(self, client, personas, patient_7a, role):
        course = screened_course(patient_7a, personas["clinician"])
        response = login(client, personas[role]).get(
            reverse("eligibility:course", args=[course.pk])
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="rule-result">Eligible' in body
        assert 'data-criterion="anc" data-status="met"' in body
        assert "2.6 ≥ 1 ×10⁹/L" in body
        assert "CAR-HEMATOTOX" in body and "Score 0" in body
        assert "LBCL after ≥ 2 lines of systemic therapy" in body
        # Only clinicians get the buttons that write.
        assert ("Record MDT decision" in body) is (role == "clinician")

    def test_other_ward_nurse_gets_404(self, client, dr_ben, nurse_dan, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        response = login(client, nurse_dan).get(reverse("eligibility:course", args=[course.pk]))
        assert response.status_code == 404

    def test_administrator_gets_403(self, client, dr_ben, admin_alex, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        response = login(client, admin_alex).get(reverse("eligibility:course", args=[course.pk]))
        assert response.status_code == 403

    def test_not_met_criteria_are_shown_with_their_reason(self, client, dr_ben, patient_7a):
        fields = {**FIT_FIELDS, "platelets_10e9_l": "60", "largest_lesion_cm": "11"}
        course = screened_course(patient_7a, dr_ben, fields=fields)
        body = login(client, dr_ben).get(reverse("eligibility:course", args=[course.pk]))
        body = body.content.decode()
        assert 'data-testid="rule-result">Not eligible' in body
        assert 'data-criterion="platelets" data-status="not_met"' in body
        assert "60 &lt; 75 ×10⁹/L" in body
        assert 'data-signal="bulky_disease" data-present="yes"' in body


class TestStart:
    def test_clinician_starts_screening(self, client, dr_ben, patient_7a):
        course = open_course(patient_7a, dr_ben)
        response = login(client, dr_ben).post(
            reverse("eligibility:screening_start", args=[course.pk])
        )
        assert response.url == reverse("eligibility:screening_edit", args=[course.pk])
        course.refresh_from_db()
        assert course.stage == "screening" and ScreeningAssessment.objects.count() == 1

    @pytest.mark.parametrize("role", NOT_CLINICIANS)
    def test_others_are_refused(self, client, personas, patient_7a, role):
        course = open_course(patient_7a, personas["clinician"])
        url = reverse("eligibility:screening_start", args=[course.pk])
        assert login(client, personas[role]).post(url).status_code == 403
        course.refresh_from_db()
        assert course.stage == "referred"

    def test_other_ward_nurse_gets_404_and_get_is_not_allowed(
        self, client, dr_ben, nurse_dan, patient_7a
    ):
        course = open_course(patient_7a, dr_ben)
        url = reverse("eligibility:screening_start", args=[course.pk])
        assert login(client, nurse_dan).post(url).status_code == 404
        assert login(client, dr_ben).get(url).status_code == 405


class TestScreeningForm:
    def _started(self, patient, clinician):
        course = open_course(patient, clinician)
        return course, services.screening_start(by=clinician, course=course)

    def test_clinician_saves_sections_and_lines(self, client, dr_ben, patient_7a):
        course, assessment = self._started(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        assert login(client, dr_ben).get(url).status_code == 200
        data = screening_post(
            assessment,
            {
                "assessed_on": "2026-06-12",
                "diagnosis": "LBCL",
                "ecog": 1,
                "anc_10e9_l": "1.8",
                "cns_involvement": False,
            },
            lines=[
                {
                    "line_number": "1",
                    "regimen": "R-CHOP",
                    "drug_classes": "anti_cd20",
                    "start_date": "2024-01-10",
                    "end_date": "2024-06-01",
                    "best_response": "PD",
                }
            ],
            washouts=[{"therapy_class": "chemotherapy", "last_dose_date": "2026-06-01"}],
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assessment.refresh_from_db()
        assert (assessment.ecog, str(assessment.anc_10e9_l), assessment.cns_involvement) == (
            1,
            "1.80",
            False,
        )
        assert assessment.prior_lines.get().drug_classes == ["anti_cd20"]
        assert assessment.washout_therapies.get().last_dose_date == date(2026, 6, 1)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"ecog": "7"}, "ECOG runs from 0 to 4."),
            ({"platelets_10e9_l": "-5"}, "This value cannot be negative."),
            ({"assessed_on": "2026-06-16"}, "The assessment date cannot be in the future."),
        ],
    )
    def test_bad_input_is_refused_with_a_clear_message(
        self, client, dr_ben, patient_7a, fields, message
    ):
        course, assessment = self._started(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        data = screening_post(assessment, {"assessed_on": "2026-06-12", **fields})
        body = login(client, dr_ben).post(url, data).content.decode()
        assert "Nothing was saved" in body and message in body
        assert body.count("invalid-feedback d-block") == 1
        assessment.refresh_from_db()
        assert assessment.version == 1 and assessment.ecog is None

    def test_labs_in_si_units_are_stored_in_the_field_unit(self, client, dr_ben, patient_7a):
        """Issue 16 item 9: CRP 12 mg/L is 1.2 mg/dL (no false CAR-HEMATOTOX point, cut-off
        3.0 mg/dL); haemoglobin 105 g/L is 10.5 g/dL; bilirubin 17.1 µmol/L is 1 mg/dL."""
        course, assessment = self._started(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        page = login(client, dr_ben).get(url).content.decode()
        assert 'name="crp_mg_dl_unit"' in page and "mg/L" in page
        data = screening_post(
            assessment,
            {"assessed_on": "2026-06-12"},
            crp_mg_dl="12",
            crp_mg_dl_unit="mg_l",
            haemoglobin_g_dl="105",
            haemoglobin_g_dl_unit="g_l",
            bilirubin_mg_dl="17.1",
            bilirubin_mg_dl_unit="umol_l",
        )
        assert client.post(url, data).status_code == 302
        assessment.refresh_from_db()
        assert (assessment.crp_mg_dl, assessment.haemoglobin_g_dl, assessment.bilirubin_mg_dl) == (
            Decimal("1.20"),
            Decimal("10.5"),
            Decimal("1.00"),
        )

    def test_a_value_in_the_wrong_unit_gets_a_clinical_message(self, client, dr_ben, patient_7a):
        course, assessment = self._started(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        data = screening_post(
            assessment,
            {"assessed_on": "2026-06-12"},
            haemoglobin_g_dl="105",
            haemoglobin_g_dl_unit="g_dl",
        )
        body = login(client, dr_ben).post(url, data).content.decode()
        assert "Haemoglobin 105 g/dL is not possible — did you mean 10.5?" in body
        assessment.refresh_from_db()
        assert assessment.haemoglobin_g_dl is None

    def test_future_line_date_is_refused(self, client, dr_ben, patient_7a):
        course, assessment = self._started(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        data = screening_post(
            assessment,
            lines=[{"line_number": "1", "regimen": "R-CHOP", "start_date": "2026-07-01"}],
        )
        body = login(client, dr_ben).post(url, data).content.decode()
        assert "This date cannot be in the future." in body
        assert not assessment.prior_lines.exists()

    def test_stale_edit_is_refused(self, client, dr_ben, patient_7a):
        course, assessment = self._started(patient_7a, dr_ben)
        services.screening_update(
            by=dr_ben, assessment=assessment, expected_version=1, fields={"ecog": 0}
        )
        url = reverse("eligibility:screening_edit", args=[course.pk])
        data = screening_post(assessment, {"assessed_on": "2026-06-15", "ecog": "2"}, version=1)
        body = login(client, dr_ben).post(url, data).content.decode()
        assert "Reload it and make your change again" in body

    @pytest.mark.parametrize("role", NOT_CLINICIANS)
    def test_only_clinicians(self, client, personas, patient_7a, role):
        course, assessment = self._started(patient_7a, personas["clinician"])
        url = reverse("eligibility:screening_edit", args=[course.pk])
        assert login(client, personas[role]).get(url).status_code == 403
        assert client.post(url, screening_post(assessment, {"ecog": "1"})).status_code == 403

    def test_other_ward_nurse_gets_404(self, client, dr_ben, nurse_dan, patient_7a):
        course, _ = self._started(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        assert login(client, nurse_dan).get(url).status_code == 404


class TestDecisionPage:
    def test_approving_an_incomplete_screening_needs_a_justification(
        self, client, dr_ben, patient_7a
    ):
        course = screened_course(patient_7a, dr_ben, fields={**FIT_FIELDS, "lvef_percent": None})
        url = reverse("eligibility:decision", args=[course.pk])
        login(client, dr_ben)
        page = client.get(url).content.decode()
        assert 'data-testid="rule-result">Incomplete' in page
        response = client.post(
            url, {"decision": "approve", "decided_on": "2026-06-15", "password": PASSWORD}
        )
        assert "write why the team approves it anyway" in response.content.decode()
        assert not MdtDecision.objects.exists()
        response = client.post(
            url,
            {
                "decision": "approve",
                "decided_on": "2026-06-15",
                "justification": "LVEF 60% on outside echo, 3 weeks ago.",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302
        course.refresh_from_db()
        assert course.stage == "eligible"

    def test_future_date_is_refused(self, client, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        url = reverse("eligibility:decision", args=[course.pk])
        body = login(client, dr_ben).post(
            url, {"decision": "defer", "decided_on": "2026-07-01", "password": PASSWORD}
        )
        assert "The MDT date cannot be in the future." in body.content.decode()

    @pytest.mark.parametrize("role", NOT_CLINICIANS)
    def test_only_clinicians(self, client, personas, patient_7a, role):
        course = screened_course(patient_7a, personas["clinician"])
        url = reverse("eligibility:decision", args=[course.pk])
        response = login(client, personas[role]).post(
            url, {"decision": "approve", "decided_on": "2026-06-15", "password": PASSWORD}
        )
        assert response.status_code == 403
        assert not MdtDecision.objects.exists()


class TestConsentPage:
    def _post(self, **overrides):
        data = {"consented_on": "2026-06-15", "notes": "", **{k: "on" for k in ALL_ITEMS}}
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def test_clinician_records_consent(self, client, dr_ben, patient_7a, media):
        course = approved_course(patient_7a, dr_ben)
        url = reverse("eligibility:consent", args=[course.pk])
        login(client, dr_ben)
        assert client.get(url).status_code == 200
        response = client.post(url, self._post(explained_by=dr_ben.pk, document=pdf()))
        assert response.status_code == 302
        course.refresh_from_db()
        assert course.stage == "consented"

    def test_missing_item_and_bad_file_are_refused(self, client, dr_ben, patient_7a, media):
        course = approved_course(patient_7a, dr_ben)
        url = reverse("eligibility:consent", args=[course.pk])
        bad = pdf("consent.pdf", b"<html>not a pdf</html>")
        body = (
            login(client, dr_ben)
            .post(url, self._post(explained_by=dr_ben.pk, document=bad, explained_price=None))
            .content.decode()
        )
        assert "Tick this item once it has been explained." in body
        assert "is not a PDF document" in body
        course.refresh_from_db()
        assert course.stage == "eligible" and not ConsentRecord.objects.exists()

    def test_document_download_follows_patient_access(self, client, personas, patient_7a, media):
        dr_ben = personas["clinician"]
        course = approved_course(patient_7a, dr_ben)
        consent = services.consent_record(
            by=dr_ben,
            course=course,
            consented_on=TODAY,
            explained_by=dr_ben,
            document=pdf(),
            **ALL_ITEMS,
        )
        url = reverse("eligibility:consent_document", args=[consent.pk])
        response = login(client, personas["nurse"]).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert "attachment" in response["Content-Disposition"]
        assert login(client, personas["other_nurse"]).get(url).status_code == 404
        assert login(client, personas["administrator"]).get(url).status_code == 403

    @pytest.mark.parametrize("role", NOT_CLINICIANS)
    def test_only_clinicians(self, client, personas, patient_7a, role, media):
        course = approved_course(patient_7a, personas["clinician"])
        url = reverse("eligibility:consent", args=[course.pk])
        response = login(client, personas[role]).post(
            url, self._post(explained_by=personas["clinician"].pk, document=pdf())
        )
        assert response.status_code == 403
        assert not ConsentRecord.objects.exists()


def test_selectors_hide_other_wards(dr_ben, nurse_dan, patient_7a):
    course = screened_course(patient_7a, dr_ben)
    assert not selectors.screenings_visible_to(nurse_dan).exists()
    assert selectors.screenings_visible_to(dr_ben).get().course == course
