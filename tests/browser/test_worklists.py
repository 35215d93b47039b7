"""Browser, issue 17: each role's list leads to the page of its next step."""

import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from infusion import services as infusion_services
from tests.apheresis.conftest import consented_course
from tests.browser.conftest import log_in
from tests.eligibility.conftest import screened_course
from tests.factories import PASSWORD
from tests.infusion.conftest import DAY0, TODAY, add_product, at, course_in_manufacturing

pytestmark = pytest.mark.browser


def test_coordinator_books_from_the_board(page, coordinator_cai, dr_ben, patient_7a):
    with time_machine.travel(at(TODAY, 9), tick=True):
        course = consented_course(patient_7a, dr_ben)
        log_in(page, "cai", PASSWORD)
        page.goto("/apheresis/")
        row = page.get_by_test_id(f"to-book-{course.patient.mrn}")
        expect(row).to_contain_text(course.patient.display_name)
        row.get_by_role("link", name="Book a collection").click()
        expect(page.get_by_role("heading", name="Book a collection")).to_be_visible()


def test_nurse_gives_a_dose_and_goes_back_to_today(
    page, dr_ben, nurse_ada, pharmacist_pan, coordinator_cai, patient_7a
):
    with time_machine.travel(at(TODAY, 8), tick=True):
        course = course_in_manufacturing(patient_7a, dr_ben)
        infusion_services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        plan = infusion_services.plan_create(by=dr_ben, course=course, crcl_ml_min=Decimal("90"))
        infusion_services.plan_verify(
            by=pharmacist_pan, plan=plan, password=PASSWORD, expected_version=plan.version
        )
        add_product(course, coordinator_cai)
        infusion_services.lymphodepletion_start(by=dr_ben, course=course)

        log_in(page, "ada", PASSWORD)
        page.goto(f"/infusion/courses/{course.pk}/plan/")
        page.get_by_test_id("dose-cyclophosphamide--5").get_by_role("link", name="Give").click()
        page.get_by_label("Batch").fill("CY-0615")
        page.get_by_role("button", name="Record administration").click()
        back = page.get_by_test_id("next-step")
        expect(back).to_have_text("Back to Today")
        expect(back).to_have_class("btn btn-primary")
        back.click()
        expect(page).to_have_url(re.compile(r"/today/\?ward=7a$"))


def test_clinician_and_pharmacist_start_pages_lead_to_the_next_step(
    page, dr_ben, pharmacist_pan, patient_7a, patient_7b
):
    with time_machine.travel(at(TODAY, 8), tick=True):
        screened = screened_course(patient_7a, dr_ben)
        course = course_in_manufacturing(patient_7b, dr_ben)
        infusion_services.day0_change(by=dr_ben, course=course, new_date=DAY0)
        infusion_services.plan_create(by=dr_ben, course=course, crcl_ml_min=Decimal("90"))

        log_in(page, "ben", PASSWORD)
        page.goto("/")
        page.get_by_test_id("mdt-due").get_by_role(
            "link", name=screened.patient.display_name
        ).click()
        expect(page).to_have_url(re.compile(rf"/courses/{screened.pk}/decision/$"))
        page.get_by_role("button", name="Log out").click()

        log_in(page, "pan", PASSWORD)
        page.goto("/")
        expect(page.get_by_test_id("ward-stock-7b")).to_contain_text("Never counted")
        page.get_by_test_id("plans-to-verify").get_by_role(
            "link", name=course.patient.display_name
        ).click()
        expect(page).to_have_url(re.compile(rf"/courses/{course.pk}/plan/$"))
