"""API: the same rules as the pages, with every forbidden case."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.models import Signature
from infusion import services
from infusion.models import GateOverride, InfusionRecord, LymphodepletionPlan
from tests.factories import PASSWORD

from .conftest import DAY0, INFUSION, at


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


class TestPlans:
    def test_clinician_creates_a_plan(self, dr_ben, course):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        response = api(dr_ben).post(
            "/api/lymphodepletion-plans/", {"course": course.pk, "crcl_ml_min": "90"}, format="json"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["regimen_key"] == "axi-cel" and body["bsa_m2"] == "1.82"
        assert [(d["day_label"], d["drug"], d["dose_mg"]) for d in body["doses"]][:2] == [
            # The regimen's order: axi-cel lists cyclophosphamide first.
            ("Day \u22125", "cyclophosphamide", "910.0"),
            ("Day \u22125", "fludarabine", "55.0"),
        ]

    def test_api_computes_cockcroft_gault_from_a_creatinine_with_a_unit(self, dr_ben, course):
        """Issue 16 item 8: same rule as the page; method and inputs in the response."""
        from .conftest import TODAY

        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        body = {
            "course": course.pk,
            "creatinine": "88.4",
            "creatinine_unit": "umol_l",
            "creatinine_drawn_on": TODAY.isoformat(),
        }
        response = api(dr_ben).post("/api/lymphodepletion-plans/", body, format="json")
        assert response.status_code == 201, response.json()
        plan = response.json()
        assert plan["crcl_ml_min"] == "69.4" and "Cockcroft–Gault" in plan["crcl_method"]
        assert (plan["creatinine_umol_l"], plan["renal_table"]) == ("88.4", "us_fludarabine")

    def test_api_refuses_a_creatinine_without_its_date(self, dr_ben, course):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        body = {"course": course.pk, "creatinine": "88.4"}
        response = api(dr_ben).post("/api/lymphodepletion-plans/", body, format="json")
        assert response.status_code == 400 and "creatinine_drawn_on" in response.json()

    def test_bad_input_is_400_and_changes_nothing(self, dr_ben, course):
        response = api(dr_ben).post(
            "/api/lymphodepletion-plans/", {"course": course.pk, "crcl_ml_min": "90"}, format="json"
        )
        assert response.status_code == 400
        assert "Plan Day 0 first" in str(response.json())
        assert not LymphodepletionPlan.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor"])
    def test_other_roles_cannot_create(self, personas, dr_ben, course, role):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        response = api(personas[role]).post(
            "/api/lymphodepletion-plans/", {"course": course.pk, "crcl_ml_min": "90"}, format="json"
        )
        assert response.status_code == 403

    def test_pharmacist_verifies_with_password(self, pharmacist_pan, planned):
        url = f"/api/lymphodepletion-plans/{planned.pk}/verify/"
        wrong = api(pharmacist_pan).post(url, {"password": "x", "version": 1}, format="json")
        assert wrong.status_code == 400 and "password" in wrong.json()
        ok = api(pharmacist_pan).post(url, {"password": PASSWORD, "version": 1}, format="json")
        assert ok.status_code == 200
        assert ok.json()["signer_name"] == "Pan Xu" and ok.json()["meaning"] == "verified_by"
        assert Signature.objects.count() == 1

    def test_clinician_cannot_verify(self, dr_ben, planned):
        response = api(dr_ben).post(
            f"/api/lymphodepletion-plans/{planned.pk}/verify/",
            {"password": PASSWORD, "version": 1},
            format="json",
        )
        assert response.status_code == 403

    def test_other_ward_nurse_gets_404_and_empty_lists(self, nurse_dan, planned):
        assert api(nurse_dan).get(f"/api/lymphodepletion-plans/{planned.pk}/").status_code == 404
        assert api(nurse_dan).get("/api/lymphodepletion-plans/").json()["count"] == 0
        assert api(nurse_dan).get("/api/planned-doses/").json()["count"] == 0

    def test_anonymous_is_401_and_administrator_403(self, admin_alex, planned):
        assert api().get("/api/lymphodepletion-plans/").status_code in (401, 403)
        assert api(admin_alex).get("/api/lymphodepletion-plans/").status_code == 403
        assert api(admin_alex).get(f"/api/infusion-gates/{planned.course_id}/").status_code == 403

    def test_unknown_filter_is_refused(self, dr_ben, planned):
        assert api(dr_ben).get("/api/planned-doses/?drug=flu").status_code == 400


class TestAdministration:
    def test_nurse_administers_and_deviation_needs_reason(
        self, dr_ben, nurse_ada, verified, course
    ):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.get(drug="fludarabine", day_number=-5)
        url = f"/api/planned-doses/{dose.pk}/administer/"
        data = {"given_at": "2026-06-15T07:30:00+08:00", "dose_given_mg": "40", "batch_number": "F"}
        refused = api(nurse_ada).post(url, data, format="json")
        assert refused.status_code == 400 and "deviation_reason" in refused.json()
        ok = api(nurse_ada).post(url, {**data, "deviation_reason": "Vial broken"}, format="json")
        assert ok.status_code == 201 and ok.json()["deviation"] is True

    def test_clinician_cannot_administer(self, dr_ben, verified, course):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.first()
        response = api(dr_ben).post(
            f"/api/planned-doses/{dose.pk}/administer/",
            {"given_at": "2026-06-15T07:30:00+08:00", "dose_given_mg": "55", "batch_number": "F"},
            format="json",
        )
        assert response.status_code == 403


class TestGateAndInfusion:
    def test_gate_is_listed_item_by_item(self, nurse_ada, gate_ready):
        body = api(nurse_ada).get(f"/api/infusion-gates/{gate_ready.pk}/").json()
        assert body["passed"] is True and body["reviewed"] is False
        assert [i["code"] for i in body["items"]][:2] == ["product_received", "product_in_spec"]

    def test_same_user_twice_at_the_bedside_is_400(self, nurse_ada, on_day0):
        coi = on_day0.chain_of_identity.coi_id
        first = api(nurse_ada).post(
            "/api/bedside-verifications/",
            {"course": on_day0.pk, "scanned_text": coi, "password": PASSWORD},
            format="json",
        )
        assert first.status_code == 201 and first.json()["matched"] is True
        second = api(nurse_ada).post(
            "/api/bedside-verifications/",
            {"course": on_day0.pk, "scanned_text": coi, "password": PASSWORD},
            format="json",
        )
        assert second.status_code == 400
        assert "different person" in str(second.json())

    def test_infusion_refused_without_review_then_accepted(
        self, frozen, dr_ben, nurse_ada, gate_ready
    ):
        frozen.move_to(at(DAY0, 10, 30))
        data = {
            **{k: str(v) for k, v in INFUSION.items()},
            "course": gate_ready.pk,
            "started_at": "2026-06-20T10:00:00+08:00",
            "ended_at": "2026-06-20T10:20:00+08:00",
        }
        refused = api(nurse_ada).post("/api/infusions/", data, format="json")
        assert refused.status_code == 400 and "has not passed" in str(refused.json())
        assert not InfusionRecord.objects.exists()
        review = api(dr_ben).post(
            f"/api/infusion-gates/{gate_ready.pk}/review/", {"password": PASSWORD}
        )
        assert review.status_code == 201 and review.json()["passed"] is True
        ok = api(nurse_ada).post("/api/infusions/", data, format="json")
        assert ok.status_code == 201, ok.json()
        gate_ready.refresh_from_db()
        assert gate_ready.stage == "monitoring" and gate_ready.day0_date == DAY0

    def test_nurse_cannot_review_the_gate(self, nurse_ada, gate_ready):
        assert (
            api(nurse_ada).post(f"/api/infusion-gates/{gate_ready.pk}/review/").status_code == 403
        )

    def test_override_of_the_coi_check_is_400(self, dr_ben, on_day0):
        response = api(dr_ben).post(
            "/api/gate-overrides/",
            {"course": on_day0.pk, "item": "coi_bedside", "reason": "urgent"},
            format="json",
        )
        assert response.status_code == 400
        assert not GateOverride.objects.exists()

    def test_patients_api_stage_change_cannot_bypass_the_gate(self, settings, nurse_ada, on_day0):
        settings.INFUSION_GATE_ENFORCED = True
        response = api(nurse_ada).post(
            f"/api/courses/{on_day0.pk}/stage/", {"to_stage": "infusion"}, format="json"
        )
        assert response.status_code == 400
        assert "Infusion page" in str(response.json())
        on_day0.refresh_from_db()
        assert on_day0.stage == "lymphodepletion"

    def test_stock_by_pharmacist_only(self, pharmacist_pan, nurse_ada, on_day0):
        data = {"course": on_day0.pk, "doses_available": 2}
        assert (
            api(nurse_ada).post("/api/tocilizumab-stock/", data, format="json").status_code == 403
        )
        assert (
            api(pharmacist_pan).post("/api/tocilizumab-stock/", data, format="json").status_code
            == 201
        )

    def test_pre_infusion_check_by_nurse(self, nurse_ada, dr_ben, on_day0):
        data = {
            "course": on_day0.pk,
            "checked_at": "2026-06-20T07:30:00+08:00",
            "active_uncontrolled_infection": False,
            "new_organ_dysfunction": False,
            "temperature_c": "36.7",
            "heart_rate_bpm": 80,
            "systolic_bp_mmhg": 120,
            "diastolic_bp_mmhg": 70,
            "spo2_percent": 98,
            "respiratory_rate_per_min": 14,
            "paracetamol_given": True,
            "antihistamine_given": True,
        }
        assert api(dr_ben).post("/api/pre-infusion-checks/", data, format="json").status_code == 403
        response = api(nurse_ada).post("/api/pre-infusion-checks/", data, format="json")
        assert response.status_code == 201
        assert Decimal(response.json()["temperature_c"]) == Decimal("36.7")


def test_a_void_reason_in_the_readers_language(verified, dr_ben):
    services.plan_recalculate(
        by=dr_ben, plan=verified, crcl_ml_min=55, reason="New creatinine 130 µmol/L"
    )
    url = f"/api/lymphodepletion-plans/{verified.pk}/"
    [english] = api(dr_ben).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["signatures"]
    [chinese] = api(dr_ben).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["signatures"]
    assert english["void_reason"] == chinese["void_reason"]
    assert english["void_reason_shown"] == "Plan recalculated: New creatinine 130 µmol/L"
    assert chinese["void_reason_shown"] == "计划已重新计算：New creatinine 130 µmol/L"
