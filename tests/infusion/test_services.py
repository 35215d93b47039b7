"""Services against the database: plan, signature, administrations, Day 0, the gate and the
infusion, with every refusal changing nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apheresis import services as apheresis_services
from apheresis.models import BagVerification
from core.models import Signature
from core.signatures import signatures_for
from eligibility.models import ScreeningAssessment
from infusion import selectors, services
from infusion.models import (
    Administration,
    Day0Change,
    GateOverride,
    GateReview,
    InfusionRecord,
    LymphodepletionPlan,
    TocilizumabStockCheck,
)
from patients import services as patient_services
from patients.models import StageEvent
from tests.factories import PASSWORD, course_at_stage

from .conftest import CALM_CHECK, DAY0, INFUSION, TODAY, at, course_in_manufacturing


def _doses(plan):
    return [
        (d.day_number, d.planned_on, d.drug, d.dose_mg)
        for d in plan.doses.order_by("day_number", "-drug")
    ]


class TestPlan:
    def test_axi_cel_plan_from_the_catalogue_for_170_cm_70_kg(self, planned):
        # BSA √(170 × 70 / 3600) = 1.82 m²; flu 30 × 1.82 = 54.6 → 55 mg; cy 500 × 1.82 = 910 mg.
        assert planned.regimen_key == "axi-cel"
        assert planned.bsa_m2 == Decimal("1.82")
        assert _doses(planned) == [
            (-5, date(2026, 6, 15), "fludarabine", Decimal("55.0")),
            (-5, date(2026, 6, 15), "cyclophosphamide", Decimal("910.0")),
            (-4, date(2026, 6, 16), "fludarabine", Decimal("55.0")),
            (-4, date(2026, 6, 16), "cyclophosphamide", Decimal("910.0")),
            (-3, date(2026, 6, 17), "fludarabine", Decimal("55.0")),
            (-3, date(2026, 6, 17), "cyclophosphamide", Decimal("910.0")),
        ]

    def test_the_screening_clearance_is_never_used_silently(self, course, dr_ben):
        """Issue 16 item 8: the plan used to fall back to the screening's CrCl without saying."""
        ScreeningAssessment.objects.create(
            course=course, assessed_on=TODAY, crcl_ml_min=55, created_by=dr_ben, updated_by=dr_ben
        )
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        with pytest.raises(ValidationError) as error:
            services.plan_create(by=dr_ben, course=course)
        assert "creatinine" in error.value.message_dict
        assert not LymphodepletionPlan.objects.filter(course=course).exists()

    def test_cockcroft_gault_from_the_latest_creatinine_with_the_method_shown(self, course, dr_ben):
        """Cockcroft–Gault (1976), actual weight; US fludarabine label 30–70 → −20%.
        Mrs Liu: 56 y, female, 70 kg, creatinine 88.4 µmol/L (1.00 mg/dL):
        (140 − 56) × 70 / 72 × 0.85 = 69.4 mL/min → reduced by 20%."""
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = services.plan_create(
            by=dr_ben,
            course=course,
            creatinine=Decimal("88.4"),
            creatinine_unit="umol_l",
            creatinine_drawn_on=TODAY,
        )
        assert plan.crcl_ml_min == Decimal("69.4")
        assert "Cockcroft–Gault" in plan.crcl_method and "actual weight" in plan.crcl_method
        assert plan.creatinine_umol_l == Decimal("88.4")
        flu = plan.doses.filter(drug="fludarabine").first()
        assert "renal_adjusted" in flu.flags

    def test_the_same_creatinine_in_mg_dl_gives_the_same_clearance(self, course, dr_ben):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = services.plan_create(
            by=dr_ben,
            course=course,
            creatinine=Decimal("1.00"),
            creatinine_unit="mg_dl",
            creatinine_drawn_on=TODAY,
        )
        assert plan.crcl_ml_min == Decimal("69.4")

    def test_a_creatinine_older_than_7_days_is_refused_unless_re_entered(self, course, dr_ben):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        old = {
            "creatinine": Decimal("88.4"),
            "creatinine_drawn_on": TODAY - timedelta(days=8),
        }
        with pytest.raises(ValidationError) as error:
            services.plan_create(by=dr_ben, course=course, **old)
        assert "more than 7 days ago" in str(error.value.message_dict["creatinine_drawn_on"])
        plan = services.plan_create(by=dr_ben, course=course, creatinine_reentered=True, **old)
        assert "re-entered by the clinician" in plan.crcl_method

    def test_bsa_cap_from_settings(self, settings, course, dr_ben, patient_7a):
        settings.BSA_CAP_M2 = 2.0
        patient_7a.height_cm, patient_7a.weight_kg = Decimal("190"), Decimal("110")
        patient_7a.save()
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = services.plan_create(by=dr_ben, course=course, crcl_ml_min=90)
        assert (plan.uncapped_bsa_m2, plan.bsa_m2, plan.bsa_cap_m2) == (
            Decimal("2.41"),
            Decimal("2.00"),
            Decimal("2.00"),
        )
        assert plan.doses.filter(drug="cyclophosphamide").first().dose_mg == Decimal("1000")
        assert any("capped at 2.00" in w for w in plan.warnings)

    def test_no_crcl_anywhere_is_refused(self, course, dr_ben):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        with pytest.raises(ValidationError) as error:
            services.plan_create(by=dr_ben, course=course)
        assert "creatinine" in error.value.message_dict
        assert not hasattr(course, "lymphodepletion_plan")

    def test_without_day0_is_refused(self, course, dr_ben):
        with pytest.raises(ValidationError, match="Plan Day 0 first"):
            services.plan_create(by=dr_ben, course=course, crcl_ml_min=90)

    @pytest.mark.parametrize("role", ["nurse", "pharmacist", "auditor", "apheresis_coordinator"])
    def test_only_clinicians_create_plans(self, personas, course, dr_ben, role):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        with pytest.raises(PermissionDenied):
            services.plan_create(by=personas[role], course=course, crcl_ml_min=90)

    def test_low_crcl_needs_a_clinician_decision_before_verification(
        self, course, dr_ben, pharmacist_pan
    ):
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = services.plan_create(by=dr_ben, course=course, crcl_ml_min=25)
        flu = list(plan.doses.filter(drug="fludarabine"))
        assert all(d.dose_mg is None and d.requires_clinician_decision for d in flu)
        with pytest.raises(ValidationError, match="must decide 3 dose"):
            services.plan_verify(
                by=pharmacist_pan, plan=plan, password=PASSWORD, expected_version=plan.version
            )
        for dose in flu:
            plan.refresh_from_db()
            services.dose_decide(
                by=dr_ben,
                dose=dose,
                dose_mg=None,
                reason="CrCl 25: omit fludarabine, cy alone (MDT)",
                expected_version=plan.version,
            )
        plan.refresh_from_db()
        services.plan_verify(
            by=pharmacist_pan, plan=plan, password=PASSWORD, expected_version=plan.version
        )
        assert selectors.plan_is_verified(plan)


class TestSignature:
    def test_verify_records_meaning_name_time_and_version(self, verified, pharmacist_pan):
        # The one signature model (core.Signature), as for MDT decisions and gate reviews.
        (signature,) = signatures_for(verified)
        assert signature == verified.active_signature
        assert signature.signer == pharmacist_pan
        assert signature.signer_name == "Pan Xu"
        assert signature.get_meaning_display() == "Verified by"
        assert signature.record_version == verified.version
        assert signature.signed_at is not None
        assert len(signature.fingerprint) == 64

    def test_wrong_password_signs_nothing(self, planned, pharmacist_pan):
        with pytest.raises(ValidationError) as error:
            services.plan_verify(
                by=pharmacist_pan, plan=planned, password="guess", expected_version=1
            )
        assert "password" in error.value.message_dict
        assert not Signature.objects.exists()

    def test_stale_version_is_refused(self, planned, pharmacist_pan):
        with pytest.raises(services.StaleEditError):
            services.plan_verify(
                by=pharmacist_pan, plan=planned, password=PASSWORD, expected_version=0
            )

    @pytest.mark.parametrize("role", ["clinician", "nurse", "auditor"])
    def test_only_pharmacists_verify(self, personas, planned, role):
        with pytest.raises(PermissionDenied):
            services.plan_verify(
                by=personas[role], plan=planned, password=PASSWORD, expected_version=1
            )

    def test_recalculating_voids_the_signature_visibly(self, verified, dr_ben):
        services.plan_recalculate(
            by=dr_ben, plan=verified, crcl_ml_min=55, reason="New creatinine 130 µmol/L"
        )
        verified.refresh_from_db()
        assert not selectors.plan_is_verified(verified)
        voided = verified.signatures.get()
        assert voided.voided_at is not None
        assert "New creatinine" in voided.void_reason
        assert verified.doses.filter(drug="fludarabine").first().dose_mg == Decimal("44")


class TestAdministration:
    def test_nurse_records_a_dose_as_planned(self, frozen, verified, course, dr_ben, nurse_ada):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.get(drug="fludarabine", day_number=-5)
        record = services.administration_record(
            by=nurse_ada,
            dose=dose,
            given_at=at(TODAY, 7, 30),
            dose_given_mg=Decimal("56"),  # within 5% of 55 mg
            batch_number="FLU-2231",
        )
        assert record.deviation is False and record.given_by == nurse_ada

    def test_a_dose_beyond_tolerance_needs_a_reason(self, verified, course, dr_ben, nurse_ada):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.get(drug="cyclophosphamide", day_number=-5)
        with pytest.raises(ValidationError) as error:
            services.administration_record(
                by=nurse_ada,
                dose=dose,
                given_at=at(TODAY, 7, 30),
                dose_given_mg=Decimal("800"),
                batch_number="CY-1",
            )
        assert "deviation_reason" in error.value.message_dict
        assert not Administration.objects.exists()
        record = services.administration_record(
            by=nurse_ada,
            dose=dose,
            given_at=at(TODAY, 7, 30),
            dose_given_mg=Decimal("800"),
            batch_number="CY-1",
            deviation_reason="Infusion stopped: extravasation",
        )
        assert record.deviation is True
        assert "800 mg given, 910.0 mg planned" in record.deviation_detail

    def test_another_day_is_a_deviation(self, frozen, verified, course, dr_ben, nurse_ada):
        services.lymphodepletion_start(by=dr_ben, course=course)
        frozen.move_to(at(date(2026, 6, 16), 9))
        dose = verified.doses.get(drug="fludarabine", day_number=-5)
        with pytest.raises(ValidationError, match="another day"):
            services.administration_record(
                by=nurse_ada,
                dose=dose,
                given_at=at(date(2026, 6, 16), 8),
                dose_given_mg=dose.dose_mg,
                batch_number="FLU-1",
            )

    def test_unverified_plan_is_refused(self, planned, course, dr_ben, nurse_ada):
        course_at_stage(by=dr_ben, course=course, to_stage="lymphodepletion")
        dose = planned.doses.first()
        with pytest.raises(ValidationError, match="not verified"):
            services.administration_record(
                by=nurse_ada,
                dose=dose,
                given_at=at(TODAY, 7),
                dose_given_mg=dose.dose_mg,
                batch_number="X",
            )

    def test_nurse_of_another_ward_is_refused(self, verified, course, dr_ben, nurse_dan):
        services.lymphodepletion_start(by=dr_ben, course=course)
        dose = verified.doses.first()
        with pytest.raises(PermissionDenied):
            services.administration_record(
                by=nurse_dan,
                dose=dose,
                given_at=at(TODAY, 7),
                dose_given_mg=dose.dose_mg,
                batch_number="X",
            )

    def test_lymphodepletion_cannot_start_unverified(self, planned, course, dr_ben):
        with pytest.raises(ValidationError, match="verified by a pharmacist"):
            services.lymphodepletion_start(by=dr_ben, course=course)


class TestDay0Change:
    def test_moving_day0_replans_doses_not_given_and_voids_the_signature(
        self, frozen, verified, course, dr_ben, nurse_ada
    ):
        services.lymphodepletion_start(by=dr_ben, course=course)
        given = verified.doses.get(drug="fludarabine", day_number=-5)
        services.administration_record(
            by=nurse_ada,
            dose=given,
            given_at=at(TODAY, 7),
            dose_given_mg=given.dose_mg,
            batch_number="F1",
        )
        with pytest.raises(ValidationError, match="fall in the past"):
            # Day 0 on 19 June would put the cyclophosphamide of Day −5 on 14 June.
            services.day0_change(
                by=dr_ben, course=course, new_date=date(2026, 6, 19), reason="Slot"
            )
        change = services.day0_change(
            by=dr_ben, course=course, new_date=date(2026, 6, 22), reason="Product delayed"
        )
        course.refresh_from_db()
        assert course.planned_day0_date == date(2026, 6, 22)
        assert (change.old_date, change.new_date, change.changed_by) == (
            DAY0,
            date(2026, 6, 22),
            dr_ben,
        )
        assert change.doses_moved == 5
        given.refresh_from_db()
        assert given.planned_on == TODAY  # given doses keep their date
        cy = verified.doses.get(drug="cyclophosphamide", day_number=-5)
        assert cy.planned_on == date(2026, 6, 17)
        verified.refresh_from_db()
        assert not selectors.plan_is_verified(verified)
        assert "Day 0 moved" in verified.signatures.get().void_reason

    def test_moving_day0_needs_a_reason(self, planned, course, dr_ben):
        with pytest.raises(ValidationError) as error:
            services.day0_change(by=dr_ben, course=course, new_date=date(2026, 6, 22))
        assert "reason" in error.value.message_dict
        assert Day0Change.objects.count() == 1

    def test_nurse_cannot_move_day0(self, planned, course, nurse_ada):
        with pytest.raises(PermissionDenied):
            services.day0_change(
                by=nurse_ada, course=course, new_date=date(2026, 6, 22), reason="x"
            )


class TestBridging:
    def test_bridging_ending_late_is_flagged_on_the_plan(self, course, dr_ben):
        services.bridging_record(
            by=dr_ben,
            course=course,
            regimen="R-GemOx",
            started_on=date(2026, 5, 25),
            ended_on=date(2026, 6, 10),
            response="PR",
        )
        services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = services.plan_create(by=dr_ben, course=course, crcl_ml_min=90)
        timing = selectors.bridging_timing_for(course, plan)
        assert timing.ok is False
        assert timing.earliest_lymphodepletion == date(2026, 6, 17)

    def test_bridging_cannot_end_before_it_starts(self, course, dr_ben):
        with pytest.raises(ValidationError) as error:
            services.bridging_record(
                by=dr_ben,
                course=course,
                regimen="RT",
                started_on=date(2026, 6, 10),
                ended_on=date(2026, 6, 1),
            )
        assert "ended_on" in error.value.message_dict


class TestGate:
    def test_all_items_pass_when_everything_is_in_place(self, gate_ready):
        result = selectors.gate_evaluate(gate_ready)
        assert [(i.code, i.ok) for i in result.items if not i.ok] == []
        assert result.passed

    def test_the_same_nurse_cannot_check_the_bag_twice(self, on_day0, nurse_ada):
        coi = on_day0.chain_of_identity.coi_id
        apheresis_services.bedside_verify(
            password=PASSWORD, by=nurse_ada, course=on_day0, scanned_text=coi
        )
        with pytest.raises(ValidationError, match="different person"):
            apheresis_services.bedside_verify(
                password=PASSWORD, by=nurse_ada, course=on_day0, scanned_text=coi
            )
        assert BagVerification.objects.filter(course=on_day0).count() == 1
        item = next(i for i in selectors.gate_evaluate(on_day0).items if i.code == "coi_bedside")
        assert item.ok is False and item.params["count"] == 1

    def test_a_wrong_bag_does_not_count(self, on_day0, nurse_ada, nurse_eve):
        apheresis_services.bedside_verify(
            password=PASSWORD,
            by=nurse_ada,
            course=on_day0,
            scanned_text=on_day0.chain_of_identity.coi_id,
        )
        wrong = apheresis_services.bedside_verify(
            password=PASSWORD, by=nurse_eve, course=on_day0, scanned_text="COI-2026-9999-1"
        )
        assert wrong.matched is False
        item = next(i for i in selectors.gate_evaluate(on_day0).items if i.code == "coi_bedside")
        assert item.ok is False

    def test_fever_fails_until_overridden_with_a_reason(self, gate_ready, nurse_ada, dr_ben):
        services.pre_infusion_check_record(
            by=nurse_ada,
            course=gate_ready,
            checked_at=at(DAY0, 8),
            **{**CALM_CHECK, "temperature_c": Decimal("38.1")},
        )
        item = next(i for i in selectors.gate_evaluate(gate_ready).items if i.code == "vital_signs")
        assert (item.ok, item.observed) == (False, "temperature_c=38.1")
        with pytest.raises(ValidationError):
            services.gate_override(by=dr_ben, course=gate_ready, item="vital_signs", reason=" ")
        override = services.gate_override(
            by=dr_ben,
            course=gate_ready,
            item="vital_signs",
            reason="Tumour fever, cultures negative ×3; proceed",
        )
        assert override.observed == "temperature_c=38.1"
        assert selectors.gate_evaluate(gate_ready).passed

    def test_coi_and_receipt_cannot_be_overridden(self, on_day0, dr_ben):
        for item in ("coi_bedside", "product_received"):
            with pytest.raises(ValidationError, match="cannot be overridden"):
                services.gate_override(by=dr_ben, course=on_day0, item=item, reason="urgent")
        assert not GateOverride.objects.exists()

    def test_nurse_cannot_override(self, gate_ready, nurse_ada):
        with pytest.raises(PermissionDenied):
            services.gate_override(by=nurse_ada, course=gate_ready, item="vital_signs", reason="x")

    def test_tocilizumab_count_below_two_fails(self, gate_ready, pharmacist_pan):
        services.stock_confirm(by=pharmacist_pan, course=gate_ready, doses_available=1)
        item = next(
            i
            for i in selectors.gate_evaluate(gate_ready).items
            if i.code == "tocilizumab_available"
        )
        assert item.ok is False

    def test_premedication_with_steroid_fails(self, gate_ready, nurse_ada):
        services.pre_infusion_check_record(
            by=nurse_ada,
            course=gate_ready,
            checked_at=at(DAY0, 8),
            **{**CALM_CHECK, "prophylactic_steroid_given": True},
        )
        item = next(
            i for i in selectors.gate_evaluate(gate_ready).items if i.code == "premedication"
        )
        assert item.ok is False

    def test_out_of_spec_product_needs_an_override(
        self, frozen, verified, course, dr_ben, nurse_ada, coordinator_cai
    ):
        from apheresis.models import ManufacturingRecord

        from .conftest import give_all_doses

        ManufacturingRecord.objects.filter(collection__course=course).audited_update(
            by=coordinator_cai, status="released_oos"
        )
        services.lymphodepletion_start(by=dr_ben, course=course)
        give_all_doses(frozen, verified, nurse_ada)
        frozen.move_to(at(DAY0, 8))
        items = {i.code: i for i in selectors.gate_evaluate(course).items}
        assert items["product_received"].ok is True
        assert items["product_in_spec"].ok is False

    def test_pharmacist_only_confirms_stock(self, on_day0, nurse_ada):
        with pytest.raises(PermissionDenied):
            services.stock_confirm(by=nurse_ada, course=on_day0, doses_available=2)
        assert not TocilizumabStockCheck.objects.exists()


class TestInfusion:
    def test_reviewed_gate_lets_the_nurse_infuse_and_monitoring_starts(
        self, frozen, gate_ready, dr_ben, nurse_ada
    ):
        review = services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
        assert review.passed is True
        frozen.move_to(at(DAY0, 10, 30))
        record = services.infusion_record(
            by=nurse_ada,
            course=gate_ready,
            started_at=at(DAY0, 10),
            ended_at=at(DAY0, 10, 20),
            **INFUSION,
        )
        gate_ready.refresh_from_db()
        assert record.gate_review == review
        assert gate_ready.stage == "monitoring"
        assert gate_ready.day0_date == DAY0
        assert list(
            gate_ready.stage_events.order_by("-id").values_list("to_stage", flat=True)[:2]
        ) == ["monitoring", "infusion"]

    def test_without_a_review_the_infusion_is_refused(self, gate_ready, nurse_ada, frozen):
        frozen.move_to(at(DAY0, 10, 30))
        with pytest.raises(ValidationError, match="has not passed"):
            services.infusion_record(
                by=nurse_ada,
                course=gate_ready,
                started_at=at(DAY0, 10),
                ended_at=at(DAY0, 10, 20),
                **INFUSION,
            )
        gate_ready.refresh_from_db()
        assert gate_ready.stage == "lymphodepletion" and gate_ready.day0_date is None
        assert not InfusionRecord.objects.exists()

    def test_a_failed_review_does_not_count(self, on_day0, dr_ben, nurse_ada, frozen):
        review = services.gate_review(password=PASSWORD, by=dr_ben, course=on_day0)
        assert review.passed is False
        frozen.move_to(at(DAY0, 10, 30))
        with pytest.raises(ValidationError, match="has not passed"):
            services.infusion_record(
                by=nurse_ada,
                course=on_day0,
                started_at=at(DAY0, 10),
                ended_at=at(DAY0, 10, 20),
                **INFUSION,
            )

    def test_a_fever_after_the_review_supersedes_it(self, gate_ready, dr_ben, nurse_ada, frozen):
        services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
        services.pre_infusion_check_record(
            by=nurse_ada,
            course=gate_ready,
            checked_at=at(DAY0, 7, 55),
            **{**CALM_CHECK, "temperature_c": Decimal("38.6")},
        )
        assert GateReview.objects.get().superseded_at is not None
        frozen.move_to(at(DAY0, 10, 30))
        with pytest.raises(ValidationError):
            services.infusion_record(
                by=nurse_ada,
                course=gate_ready,
                started_at=at(DAY0, 10),
                ended_at=at(DAY0, 10, 20),
                **INFUSION,
            )

    def test_clinician_does_not_record_the_infusion(self, gate_ready, dr_ben, frozen):
        services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
        with pytest.raises(PermissionDenied):
            services.infusion_record(
                by=dr_ben,
                course=gate_ready,
                started_at=at(DAY0, 8),
                ended_at=at(DAY0, 8),
                **INFUSION,
            )


class TestGateGuard:
    """No way around the gate: the generic stage change never moves a course to infusion,
    and the stage entry asks for a passed gate review and an infusion record."""

    def test_direct_stage_change_without_gate_is_refused_and_changes_nothing(
        self, settings, on_day0, nurse_ada
    ):
        settings.INFUSION_GATE_ENFORCED = True
        events = StageEvent.objects.filter(course=on_day0).count()
        with pytest.raises(ValidationError, match="only when its record is saved"):
            patient_services.course_change_stage(by=nurse_ada, course=on_day0, to_stage="infusion")
        on_day0.refresh_from_db()
        assert on_day0.stage == "lymphodepletion"
        assert on_day0.day0_date is None
        assert StageEvent.objects.filter(course=on_day0).count() == events

    def test_a_passed_review_alone_does_not_enter_infusion(
        self, settings, gate_ready, dr_ben, nurse_ada
    ):
        settings.INFUSION_GATE_ENFORCED = True
        services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
        with pytest.raises(ValidationError, match="No infusion has been recorded"):
            patient_services.course_enter_stage(
                by=nurse_ada, course=gate_ready, to_stage="infusion"
            )
        gate_ready.refresh_from_db()
        assert gate_ready.stage == "lymphodepletion"

    def test_refused_whatever_the_setting(self, settings, on_day0, nurse_ada):
        settings.INFUSION_GATE_ENFORCED = False
        with pytest.raises(ValidationError):
            patient_services.course_change_stage(by=nurse_ada, course=on_day0, to_stage="infusion")
        on_day0.refresh_from_db()
        assert on_day0.stage == "lymphodepletion"

    def test_helper_for_other_fixtures(self, settings, frozen, patient_7b, dr_ben):
        from .helpers import record_passed_gate

        settings.INFUSION_GATE_ENFORCED = True
        course = course_in_manufacturing(patient_7b, dr_ben)
        course_at_stage(by=dr_ben, course=course, to_stage="lymphodepletion")
        record_passed_gate(course, on=TODAY, by=dr_ben)
        course_at_stage(by=dr_ben, course=course, to_stage="infusion")
        course.refresh_from_db()
        assert course.day0_date == TODAY


def test_yesterdays_review_does_not_pass_today(settings, gate_ready, dr_ben, nurse_ada, frozen):
    settings.INFUSION_GATE_ENFORCED = True
    services.gate_review(password=PASSWORD, by=dr_ben, course=gate_ready)
    frozen.move_to(at(DAY0 + timedelta(days=1), 9))
    with pytest.raises(ValidationError):
        patient_services.course_change_stage(by=nurse_ada, course=gate_ready, to_stage="infusion")
