"""Browser: a course from manufacturing through lymphodepletion to Day 0.

Dr Ben plans Day 0 and the plan, Pan verifies it with his password, Ada gives the first
doses, and on Day 0 Ada and Eve check the bag, Dr Ben reviews the gate and Ada records the
infusion.
"""

import pytest
import time_machine
from playwright.sync_api import expect

from infusion import services
from patients.models import TreatmentCourse
from tests.browser.conftest import log_in
from tests.browser.steps import (
    check_bag,
    give_the_remaining_doses,
    make_lymphodepletion_plan,
    plan_day0,
    record_infusion,
    record_pre_infusion_check,
    review_gate,
    scan_bag,
    verify_plan,
)
from tests.factories import PASSWORD
from tests.infusion.conftest import DAY0, TODAY, add_product, at, course_in_manufacturing

pytestmark = pytest.mark.browser


def log_out(tab):
    tab.get_by_role("button", name="Log out").click()


def test_course_through_lymphodepletion_to_day0(
    page,
    dr_ben,
    nurse_ada,
    nurse_eve,
    pharmacist_pan,
    coordinator_cai,
    patient_7a,
):
    with time_machine.travel(at(TODAY, 8), tick=True) as clock:
        course = course_in_manufacturing(patient_7a, dr_ben)
        # The product is released and received before lymphodepletion may start.
        add_product(course, coordinator_cai)

        log_in(page, "ben", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/")
        plan_day0(page, DAY0)
        expect(page.get_by_test_id("planned-day0")).to_have_text("2026-06-20")
        # Issue 16 item 8: the clearance comes from the latest creatinine (Cockcroft–Gault).
        make_lymphodepletion_plan(page, creatinine_umol_l="112", drawn_on=TODAY)
        expect(page.get_by_role("alert").filter(has_text="plan made")).to_be_visible()
        # 56 y, female, 70 kg, 112 µmol/L: CrCl 54.8 mL/min (US label 30–70 → −20%).
        # 30 mg/m² × 1.82 m² = 54.6 mg, −20% = 43.68 → 44 mg.
        expect(page.get_by_test_id("dose-fludarabine--5")).to_contain_text("44.0 mg")
        expect(page.get_by_test_id("dose-cyclophosphamide--5")).to_contain_text("910.0 mg")
        log_out(page)

        log_in(page, "pan", PASSWORD)
        page.goto("/infusion/pharmacy/")
        page.get_by_role("link", name="Open").click()
        verify_plan(page, password="not my password")
        expect(page.get_by_role("alert")).to_contain_text("password is not correct")
        verify_plan(page)
        expect(page.get_by_test_id("signatures")).to_contain_text("Verified by Pan Xu")
        log_out(page)

        log_in(page, "ben", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/plan/")
        page.get_by_role("button", name="Start lymphodepletion").click()
        expect(page.get_by_role("alert")).to_contain_text("moved to lymphodepletion")
        log_out(page)

        log_in(page, "ada", PASSWORD)
        page.goto("/infusion/today/")
        for drug in ("cyclophosphamide", "fludarabine"):
            page.goto(f"/infusion/courses/{course.pk}/plan/")
            page.get_by_test_id(f"dose-{drug}--5").get_by_role("link", name="Give").click()
            page.get_by_label("Batch").fill(f"{drug[:3].upper()}-0615")
            page.get_by_role("button", name="Record administration").click()
            expect(page.get_by_test_id(f"dose-{drug}--5")).to_contain_text("-0615")
        log_out(page)

        # Days −4 and −3 as planned.
        give_the_remaining_doses(course, nurse=nurse_ada, clock=clock)

        clock.move_to(at(DAY0, 8))
        services.stock_confirm(by=pharmacist_pan, course=course, doses_available=2)
        coi = course.chain_of_identity.coi_id

        log_in(page, "ada", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/gate/")
        expect(page.get_by_test_id("today-day-label")).to_have_text("Day 0")
        record_pre_infusion_check(page)
        check_bag(page, coi)
        expect(page.get_by_role("alert")).to_contain_text("Bag matches")
        check_bag(page, coi)
        expect(page.get_by_role("alert")).to_contain_text("different person")
        expect(page.get_by_test_id("gate-item-coi_bedside")).to_contain_text("1 of 2")
        log_out(page)

        log_in(page, "eve", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/gate/")
        # Eve checks the bag with the ward's scanner.
        scan_bag(page, coi)
        expect(page.get_by_test_id("gate-status")).to_have_text("All items pass")
        log_out(page)

        log_in(page, "ben", PASSWORD)
        page.goto("/infusion/gates/")
        page.get_by_test_id("gate-worklist").get_by_role("link", name="Open").click()
        review_gate(page)
        expect(page.get_by_role("alert")).to_contain_text("Gate passed")
        log_out(page)

        log_in(page, "ada", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/gate/")
        record_infusion(page, ended_at=at(DAY0, 8, 1), clock=clock)
        expect(page.get_by_role("alert")).to_contain_text("Infusion recorded: Day 0 is")
        expect(page.get_by_test_id("infusion-record")).to_contain_text("1 bag(s)")

    course = TreatmentCourse.objects.get(pk=course.pk)
    assert course.stage == "monitoring"
    assert course.day0_date == DAY0
