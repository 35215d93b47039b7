"""Pages: the main path per role, and every forbidden case."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import Signature
from infusion import selectors, services
from infusion.models import Administration, GateReview
from tests.factories import PASSWORD

from .conftest import DAY0, TODAY, at


def login(client, user):
    client.force_login(user)
    return client


class TestPages:
    @pytest.mark.parametrize(
        "role", ["clinician", "nurse", "pharmacist", "auditor", "apheresis_coordinator"]
    )
    def test_readers_see_the_course_plan_and_gate(self, client, personas, planned, course, role):
        login(client, personas[role])
        for name in ("course", "plan", "gate"):
            response = client.get(reverse(f"infusion:{name}", args=[course.pk]))
            assert response.status_code == 200, name
        assert "910.0 mg" in client.get(reverse("infusion:plan", args=[course.pk])).content.decode()

    def test_administrator_is_refused(self, client, admin_alex, planned, course):
        login(client, admin_alex)
        for name in ("course", "plan", "gate"):
            assert client.get(reverse(f"infusion:{name}", args=[course.pk])).status_code == 403
        for name in ("pharmacy", "today", "gates"):
            assert client.get(reverse(f"infusion:{name}")).status_code == 403

    def test_nurse_of_another_ward_gets_404(self, client, nurse_dan, planned, course):
        login(client, nurse_dan)
        for name in ("course", "plan", "gate"):
            assert client.get(reverse(f"infusion:{name}", args=[course.pk])).status_code == 404
        dose = planned.doses.first()
        assert client.get(reverse("infusion:administer", args=[dose.pk])).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, planned, course):
        response = client.get(reverse("infusion:plan", args=[course.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_worklists(self, client, pharmacist_pan, dr_ben, nurse_ada, planned):
        login(client, pharmacist_pan)
        assert "LIU, Fang" in client.get(reverse("infusion:pharmacy")).content.decode()
        login(client, nurse_ada)
        assert client.get(reverse("infusion:today")).status_code == 200
        login(client, dr_ben)
        assert client.get(reverse("infusion:gates")).status_code == 200


class TestPlanPages:
    def test_clinician_makes_the_plan(self, client, dr_ben, course):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        login(client, dr_ben)
        response = client.post(
            reverse("infusion:plan_new", args=[course.pk]),
            {"regimen_key": "axi-cel", "crcl_ml_min": "90"},
            follow=True,
        )
        assert "Lymphodepletion plan made" in response.content.decode()
        assert selectors.plan_for(course).doses.count() == 6

    def test_plan_page_shows_cockcroft_gault_and_its_inputs(self, client, dr_ben, course):
        """Issue 16 item 8: the clearance is computed (Cockcroft–Gault) and the method shown."""
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        login(client, dr_ben)
        response = client.post(
            reverse("infusion:plan_new", args=[course.pk]),
            {
                "regimen_key": "axi-cel",
                "creatinine": "1.00",
                "creatinine_unit": "mg_dl",
                "creatinine_drawn_on": TODAY.isoformat(),
                "weight_basis": "actual",
            },
            follow=True,
        )
        assert "Lymphodepletion plan made" in response.content.decode()
        page = client.get(reverse("infusion:plan", args=[course.pk])).content.decode()
        assert "Cockcroft–Gault" in page and "70.0 kg (actual weight)" in page
        assert "US fludarabine phosphate injection label" in page

    def test_nurse_cannot_make_a_plan(self, client, nurse_ada, dr_ben, course):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        login(client, nurse_ada)
        response = client.post(
            reverse("infusion:plan_new", args=[course.pk]), {"regimen_key": "axi-cel"}
        )
        assert response.status_code == 403
        assert selectors.plan_for(course) is None

    def test_pharmacist_signs_with_password(self, client, pharmacist_pan, planned, course):
        login(client, pharmacist_pan)
        url = reverse("infusion:plan_verify", args=[course.pk])
        response = client.post(url, {"password": "wrong", "version": 1}, follow=True)
        assert "password is not correct" in response.content.decode()
        assert not Signature.objects.exists()
        response = client.post(url, {"password": PASSWORD, "version": 1}, follow=True)
        assert "Plan verified and signed" in response.content.decode()
        assert "Verified by <strong>Pan Xu</strong>" in response.content.decode()

    def test_clinician_cannot_sign(self, client, dr_ben, planned, course):
        login(client, dr_ben)
        response = client.post(
            reverse("infusion:plan_verify", args=[course.pk]), {"password": PASSWORD, "version": 1}
        )
        assert response.status_code == 403

    def test_recalculation_shows_the_void_signature(self, client, dr_ben, verified, course):
        login(client, dr_ben)
        response = client.post(
            reverse("infusion:plan_recalculate", args=[course.pk]),
            {"crcl_ml_min": "55", "reason": "Creatinine up", "version": verified.version},
            follow=True,
        )
        page = response.content.decode()
        assert "signature is void" in page
        assert 'data-testid="voided-signature"' in page and "Creatinine up" in page

    def test_administration_deviation_needs_a_reason_on_the_page(
        self, client, dr_ben, nurse_ada, verified, course
    ):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.get(drug="cyclophosphamide", day_number=-5)
        login(client, nurse_ada)
        url = reverse("infusion:administer", args=[dose.pk])
        data = {"given_at": "2026-06-15T07:30", "dose_given_mg": "700", "batch_number": "CY-9"}
        response = client.post(url, data)
        assert response.status_code == 200
        assert "deviation from the plan" in response.content.decode()
        assert not Administration.objects.exists()
        response = client.post(url, {**data, "deviation_reason": "Pump fault"}, follow=True)
        assert "700" in response.content.decode()
        assert Administration.objects.get().deviation_reason == "Pump fault"

    def test_day0_change_page(self, client, dr_ben, planned, course):
        login(client, dr_ben)
        response = client.post(
            reverse("infusion:day0", args=[course.pk]),
            {"new_date": "2026-06-22", "reason": "Product delayed"},
            follow=True,
        )
        page = response.content.decode()
        assert "6 dose(s) moved" in page
        assert "Product delayed" in page


class TestGatePages:
    def test_same_nurse_scanning_twice_is_refused_on_the_page(self, client, nurse_ada, on_day0):
        login(client, nurse_ada)
        url = reverse("apheresis:bedside_check", args=[on_day0.pk])
        coi = on_day0.chain_of_identity.coi_id
        assert (
            "Bag matches"
            in client.post(
                url, {"scanned_text": coi, "password": PASSWORD}, follow=True
            ).content.decode()
        )
        page = client.post(
            url, {"scanned_text": coi, "password": PASSWORD}, follow=True
        ).content.decode()
        assert "different person" in page

    def test_wrong_bag_is_shouted(self, client, nurse_ada, on_day0):
        login(client, nurse_ada)
        page = client.post(
            reverse("apheresis:bedside_check", args=[on_day0.pk]),
            {"scanned_text": "NOT-A-COI", "password": PASSWORD},
            follow=True,
        ).content.decode()
        assert "STOP" in page

    def test_a_wrong_password_logs_no_check(self, client, nurse_ada, on_day0):
        from apheresis.models import BagVerification

        login(client, nurse_ada)
        before = BagVerification.objects.count()
        page = client.post(
            reverse("apheresis:bedside_check", args=[on_day0.pk]),
            {"scanned_text": on_day0.chain_of_identity.coi_id, "password": "guess"},
            follow=True,
        ).content.decode()
        assert "password is not correct" in page
        assert BagVerification.objects.count() == before

    def test_pharmacist_cannot_scan_a_bag(self, client, pharmacist_pan, on_day0):
        login(client, pharmacist_pan)
        response = client.post(
            reverse("apheresis:bedside_check", args=[on_day0.pk]), {"scanned_text": "x"}
        )
        assert response.status_code == 403

    def test_infusion_page_refuses_without_a_passed_gate(self, client, nurse_ada, gate_ready):
        login(client, nurse_ada)
        response = client.post(
            reverse("infusion:infuse", args=[gate_ready.pk]),
            {
                "started_at": "2026-06-20T07:00",
                "ended_at": "2026-06-20T07:20",
                "bags_infused": 1,
                "dose_cells_10e6": "140",
                "temperature_c": "36.9",
                "heart_rate_bpm": 80,
                "systolic_bp_mmhg": 120,
                "diastolic_bp_mmhg": 70,
                "spo2_percent": 98,
            },
        )
        assert response.status_code == 200
        assert "has not passed" in response.content.decode()
        gate_ready.refresh_from_db()
        assert gate_ready.stage == "lymphodepletion"

    def test_clinician_reviews_and_overrides(self, client, dr_ben, nurse_ada, gate_ready):
        services.pre_infusion_check_record(
            by=nurse_ada,
            course=gate_ready,
            checked_at=at(DAY0, 7, 55),
            active_uncontrolled_infection=False,
            new_organ_dysfunction=False,
            temperature_c=Decimal("36.8"),
            heart_rate_bpm=128,
            systolic_bp_mmhg=124,
            diastolic_bp_mmhg=76,
            spo2_percent=97,
            respiratory_rate_per_min=16,
            paracetamol_given=True,
            antihistamine_given=True,
        )
        login(client, dr_ben)
        page = client.post(
            reverse("infusion:gate_review", args=[gate_ready.pk]),
            {"password": PASSWORD},
            follow=True,
        )
        assert "Gate not passed" in page.content.decode()
        assert "heart rate 128" in page.content.decode()
        client.post(
            reverse("infusion:gate_override", args=[gate_ready.pk]),
            {"item": "vital_signs", "reason": "Sinus tachycardia, anxious; ECG normal"},
        )
        page = client.post(
            reverse("infusion:gate_review", args=[gate_ready.pk]),
            {"password": PASSWORD},
            follow=True,
        )
        assert "Gate passed" in page.content.decode()
        assert GateReview.objects.filter(passed=True).count() == 1
        course_page = client.get(reverse("infusion:course", args=[gate_ready.pk])).content.decode()
        assert "Sinus tachycardia" in course_page

    def test_nurse_cannot_review_or_override(self, client, nurse_ada, gate_ready):
        login(client, nurse_ada)
        assert client.post(reverse("infusion:gate_review", args=[gate_ready.pk])).status_code == 403
        response = client.post(
            reverse("infusion:gate_override", args=[gate_ready.pk]),
            {"item": "vital_signs", "reason": "x"},
        )
        assert response.status_code == 403


def test_today_page_lists_the_doses_due(client, nurse_ada, dr_ben, verified, course):
    services.lymphodepletion_start(by=dr_ben, course=course)
    login(client, nurse_ada)
    page = client.get(reverse("infusion:today")).content.decode()
    assert "Day \u22125" in page
    assert "Fludarabine" in page and "Cyclophosphamide" in page
    assert TODAY.isoformat() in page


def test_the_plan_signature_and_its_voiding_show_on_the_course_history(
    client, auditor_cara, dr_ben, verified, course
):
    """Signatures live in core.Signature (a generic link to the plan): the chart's history
    still lists them, signing and voiding both."""
    services.plan_recalculate(by=dr_ben, plan=verified, crcl_ml_min=55, reason="Creatinine up")
    client.force_login(auditor_cara)
    url = reverse("reports:course_history", args=[course.pk])
    page = client.get(url, {"record": "core.signature"}).content.decode()
    table = page[page.index('data-testid="history"') : page.index("</table>")]
    assert "Signature #" in table
    assert "Verified by" in table and "Pan Xu" in table
    assert "Plan recalculated: Creatinine up" in table
