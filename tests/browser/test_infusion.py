"""Browser: a course from manufacturing through lymphodepletion to Day 0.

Dr Ben plans Day 0 and the plan, Pan verifies it with his password, Ada gives the first
doses, and on Day 0 Ada and Eve check the bag, Dr Ben reviews the gate and Ada records the
infusion.
"""

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from infusion import services
from patients.models import TreatmentCourse
from tests.browser.conftest import log_in
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
        page.get_by_role("link", name="Plan Day 0").click()
        page.get_by_label("Planned Day 0").fill(DAY0.isoformat())
        page.get_by_role("button", name="Save Day 0").click()
        expect(page.get_by_test_id("planned-day0")).to_have_text("2026-06-20")
        # Issue 16 item 8: the clearance comes from the latest creatinine (Cockcroft–Gault).
        page.get_by_label("Latest serum creatinine").fill("112")
        page.get_by_label("Drawn on").fill(TODAY.isoformat())
        page.get_by_role("button", name="Make the plan").click()
        expect(page.get_by_role("alert").filter(has_text="plan made")).to_be_visible()
        # 56 y, female, 70 kg, 112 µmol/L: CrCl 54.8 mL/min (US label 30–70 → −20%).
        # 30 mg/m² × 1.82 m² = 54.6 mg, −20% = 43.68 → 44 mg.
        expect(page.get_by_test_id("dose-fludarabine--5")).to_contain_text("44.0 mg")
        expect(page.get_by_test_id("dose-cyclophosphamide--5")).to_contain_text("910.0 mg")
        log_out(page)

        log_in(page, "pan", PASSWORD)
        page.goto("/infusion/pharmacy/")
        page.get_by_role("link", name="Open").click()
        page.get_by_label("Your password (electronic signature)").fill("not my password")
        page.get_by_role("button", name="Sign: verified by me").click()
        expect(page.get_by_role("alert")).to_contain_text("password is not correct")
        page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
        page.get_by_role("button", name="Sign: verified by me").click()
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
        plan = course.lymphodepletion_plan
        for dose in plan.doses.filter(administration__isnull=True).order_by("planned_on"):
            clock.move_to(at(dose.planned_on, 11))
            services.administration_record(
                by=nurse_ada,
                dose=dose,
                given_at=at(dose.planned_on, 10),
                dose_given_mg=dose.dose_mg,
                batch_number="B-1",
            )

        clock.move_to(at(DAY0, 8))
        services.stock_confirm(by=pharmacist_pan, course=course, doses_available=2)
        coi = course.chain_of_identity.coi_id

        log_in(page, "ada", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/gate/")
        expect(page.get_by_test_id("today-day-label")).to_have_text("Day 0")
        page.get_by_role("link", name="Pre-infusion check").click()
        page.get_by_label("Temperature (°C)").fill("36.8")
        page.get_by_label("Heart rate (/min)").fill("84")
        page.get_by_label("Systolic BP (mmHg)").fill("124")
        page.get_by_label("Diastolic BP (mmHg)").fill("76")
        page.get_by_label("SpO₂ on room air (%)").fill("97")
        page.get_by_label("Respiratory rate (/min)").fill("16")
        page.get_by_label("Paracetamol given").check()
        page.get_by_label("Antihistamine given").check()
        page.get_by_role("button", name="Save check").click()
        page.get_by_label("Scan or type the COI ID on the bag").fill(coi)
        page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
        page.get_by_role("button", name="Check bag").click()
        expect(page.get_by_role("alert")).to_contain_text("Bag matches")
        page.get_by_label("Scan or type the COI ID on the bag").fill(coi)
        page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
        page.get_by_role("button", name="Check bag").click()
        expect(page.get_by_role("alert")).to_contain_text("different person")
        expect(page.get_by_test_id("gate-item-coi_bedside")).to_contain_text("1 of 2")
        log_out(page)

        log_in(page, "eve", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/gate/")
        # Eve's scanner is a keyboard wedge behind a Chinese IME in full-width mode: it types
        # the code into the focused field and presses Enter. Enter moves to the password
        # instead of submitting, the scan is kept, and the full-width code is the same COI.
        scan = page.get_by_label("Scan or type the COI ID on the bag")
        expect(scan).to_be_focused()
        expect(scan).to_have_attribute("autocomplete", "off")
        page.keyboard.type("".join(chr(ord(ch) + 0xFEE0) for ch in coi))
        page.keyboard.press("Enter")
        password = page.get_by_label("Your password (electronic signature)")
        expect(password).to_be_focused()
        expect(scan).not_to_have_value("")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("gate-status")).to_have_text("All items pass")
        log_out(page)

        log_in(page, "ben", PASSWORD)
        page.goto("/infusion/gates/")
        page.get_by_test_id("gate-worklist").get_by_role("link", name="Open").click()
        page.get_by_placeholder("Password to sign").fill(PASSWORD)
        page.get_by_role("button", name="Review the gate").click()
        expect(page.get_by_role("alert")).to_contain_text("Gate passed")
        log_out(page)

        log_in(page, "ada", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/gate/")
        page.get_by_role("link", name="Record the infusion").click()
        ended = (at(DAY0, 8) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
        page.get_by_label("Ended at").fill(ended)
        page.get_by_label("Temperature after (°C)").fill("37.0")
        page.get_by_label("Heart rate after (/min)").fill("88")
        page.get_by_label("Systolic BP after (mmHg)").fill("118")
        page.get_by_label("Diastolic BP after (mmHg)").fill("72")
        page.get_by_label("SpO₂ after (%)").fill("97")
        clock.move_to(at(DAY0, 8, 2))
        page.get_by_role("button", name="Record infusion").click()
        expect(page.get_by_role("alert")).to_contain_text("Infusion recorded: Day 0 is")
        expect(page.get_by_test_id("infusion-record")).to_contain_text("1 bag(s)")

    course = TreatmentCourse.objects.get(pk=course.pk)
    assert course.stage == "monitoring"
    assert course.day0_date == DAY0
