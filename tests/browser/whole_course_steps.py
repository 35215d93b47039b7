"""The steps of tests/browser/test_whole_course.py from referral to lymphodepletion: each a
persona's work in the browser, asserting the next-step link and the work lists it touches."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation
from playwright.sync_api import expect

from patients.models import TreatmentCourse
from tests.browser.conftest import ARTIFACTS
from tests.browser.steps import (
    COLLECTED_TO_RECEIVED,
    book_collection,
    custody_kinds,
    fill_screening,
    log_custody,
    make_lymphodepletion_plan,
    plan_day0,
    receive_product,
    record_collection,
    record_consent,
    record_mdt_approval,
    record_release,
    register_patient,
    start_screening,
    verify_plan,
)
from tests.browser.test_print import assert_size, pdf_of, pdf_text
from tests.factories import PASSWORD

CQ = ZoneInfo("Asia/Shanghai")
# Monday 1 June 2026: referral, screening, MDT, consent and the collection on one day; the
# cells come back 16 days later and Day 0 is the following Monday.
REFERRAL = date(2026, 6, 1)
BACK_FROM_MANUFACTURER = date(2026, 6, 17)
DAY0 = date(2026, 6, 22)
MRN = "CQ424299"
NAME = "XIE, Ling"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CQ)


def zh(msgid: str, **params) -> str:
    """The zh-hans msgstr of ``msgid`` (locale/zh_Hans), as the pages should show it."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return text % params if params else text


class Personas:
    """One ward tablet (browser context) per persona, logged in once and again when a jump of
    the clock has ended the session."""

    def __init__(self, browser, live_server):
        self.browser, self.url, self.tabs = browser, live_server.url, {}

    def tab(self, username: str):
        if username not in self.tabs:
            context = self.browser.new_context(
                viewport={"width": 1024, "height": 768},
                has_touch=True,
                locale="en-GB",
                base_url=self.url,
            )
            context.set_default_timeout(10_000)
            self.tabs[username] = context.new_page()
        return self.tabs[username]

    def visit(self, username: str, path: str):
        page = self.tab(username)
        page.goto(path)
        if "/accounts/login/" in page.url:
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            if not page.url.endswith(path):
                page.goto(path)
        return page

    def close(self, failed: bool, name: str):
        for username, page in self.tabs.items():
            if failed:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{name}-{username}.png"), full_page=True)
            page.context.close()


def next_step(page, name: str):
    """The page's next step: one primary link with this accessible name."""
    link = page.get_by_test_id("next-step")
    expect(link).to_have_accessible_name(name)
    expect(link).to_have_class(re.compile(r"\bbtn-primary\b"))
    return link


def worklist(page, testid: str):
    return page.get_by_test_id(testid).get_by_role("link", name=re.compile(re.escape(NAME)))


# ---- Dr Ben, clinician: referral, screening, MDT, consent ----------------------------------


def clinician_refers_screens_and_consents(tablets) -> int:
    page = tablets.visit("ben", "/")
    register_patient(page, mrn=MRN, date_of_birth="1969-07-20")
    expect(page.get_by_test_id("patient-name")).to_have_text(NAME)
    page.get_by_label("Product").select_option(label="axi-cel (Yescarta)")
    page.get_by_role("button", name="Open course").click()
    expect(page.get_by_test_id("course-stage")).to_have_text("Referred")

    course_card = page.get_by_test_id(re.compile(r"^course-\d+$"))
    course_card.get_by_role("link", name="Screening", exact=True).click()
    expect(page).to_have_url(re.compile(r"/eligibility/courses/\d+/$"))
    course_pk = int(re.search(r"/courses/(\d+)/$", page.url).group(1))
    start_screening(page)
    fill_screening(page)
    expect(page.get_by_test_id("rule-result")).to_have_text("Eligible")

    # The start page: the MDT decision waits for her; it leads to the decision page.
    page.goto("/")
    worklist(page, "mdt-due").click()
    expect(page).to_have_url(re.compile(rf"/eligibility/courses/{course_pk}/decision/$"))
    record_mdt_approval(page)
    expect(page.get_by_role("alert")).to_contain_text("The course is now Eligible")

    page.goto("/")
    expect(worklist(page, "mdt-due")).to_have_count(0)
    worklist(page, "consents-to-take").click()
    expect(page).to_have_url(re.compile(rf"/eligibility/courses/{course_pk}/consent/$"))
    record_consent(page)
    expect(page.get_by_role("alert")).to_contain_text("Informed consent recorded")
    expect(page.get_by_test_id("course-stage")).to_have_text("Consented")

    # The consent page offers the booking; it lands on the collection page.
    next_step(page, "Book apheresis").click()
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/$"))
    next_step(page, "Book a collection")
    page.goto("/")
    expect(worklist(page, "consents-to-take")).to_have_count(0)
    return course_pk


# ---- Cai, apheresis coordinator: booking, collection, label, custody, receipt --------------


def coordinator_books_and_collects(tablets, course_pk: int, settings) -> None:
    page = tablets.visit("cai", "/apheresis/")
    row = page.get_by_test_id(f"to-book-{MRN}")
    expect(row).to_contain_text(NAME)
    row.get_by_role("link", name="Book a collection").click()
    expect(page.get_by_role("heading", name="Book a collection")).to_be_visible()
    book_collection(page, slot_ref="KITE-SLOT-0601", on=REFERRAL)
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/$"))

    # Booked: off the "to book" list, on the upcoming collections.
    page.goto("/apheresis/")
    expect(page.get_by_test_id(f"to-book-{MRN}")).to_have_count(0)
    page.get_by_test_id(f"upcoming-{MRN}").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/$"))

    record_collection(page)
    expect(page.get_by_role("alert").filter(has_text="Collection recorded")).to_be_visible()

    # Collected: the primary action is the bag label, printed on the label stock.
    next_step(page, "Print label").click()
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/label/$"))
    expect(page.get_by_test_id("label-coi-id").first).to_have_text(coi_of(course_pk))
    reader = pdf_of(page)
    assert len(reader.pages) == 2  # two copies, one a label
    assert_size(reader, *settings.LABEL_STOCK_MM)
    assert pdf_text(reader).count(coi_of(course_pk)) >= 2
    page.get_by_role("link", name="Back").click()


def coi_of(course_pk: int) -> str:
    return TreatmentCourse.objects.get(pk=course_pk).chain_of_identity.coi_id


def on_the_board(page, course_pk: int, key: str) -> None:
    """The board shows the bag under ``key`` (and only there); its row leads to the course."""
    page.goto("/apheresis/")
    for other in ("awaiting-shipment", "to-manufacturer", "at-manufacturer", "to-site"):
        expect(page.get_by_test_id(f"{other}-{MRN}")).to_have_count(1 if other == key else 0)
    page.get_by_test_id(f"{key}-{MRN}").get_by_role("link", name=NAME).click()
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/$"))


def coordinator_ships_to_the_manufacturer(tablets, course_pk: int) -> None:
    page = tablets.tab("cai")
    coi_id = coi_of(course_pk)
    on_the_board(page, course_pk, "awaiting-shipment")
    log_custody(page, coi_id, "Packed", "Apheresis unit")
    log_custody(page, coi_id, "Handed to courier", "Loading bay")
    on_the_board(page, course_pk, "to-manufacturer")


def coordinator_receives_the_product(tablets, course_pk: int) -> None:
    page = tablets.visit("cai", f"/apheresis/courses/{course_pk}/")
    coi_id = coi_of(course_pk)
    # The manufacturer's own steps reach the coordinator, who logs them as they come.
    for kind in ("Received by manufacturer", "Manufacturing started"):
        log_custody(page, coi_id, kind, "Manufacturer")
    on_the_board(page, course_pk, "at-manufacturer")
    for kind in ("Released by manufacturer", "Shipped to site"):
        log_custody(page, coi_id, kind, "Manufacturer")
    on_the_board(page, course_pk, "to-site")
    record_release(
        page,
        lot="LOT-0617",
        started_on=REFERRAL + timedelta(days=2),
        released_on=BACK_FROM_MANUFACTURER,
    )
    expect(page.get_by_test_id("manufacturing")).to_contain_text("Released")

    # 2.0 ×10⁶ CAR-T cells/kg for 58 kg.
    receive_product(page, lot="LOT-0617", dose_e6="116")
    expect(page.get_by_role("alert").filter(has_text="Product received")).to_be_visible()
    assert custody_kinds(course_pk) == COLLECTED_TO_RECEIVED


# ---- Lymphodepletion: Dr Ben plans, Pan verifies, Ada gives ---------------------------------


def clinician_plans_day0(tablets, course_pk: int) -> None:
    page = tablets.visit("ben", "/")
    worklist(page, "plans-to-prescribe").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/$"))
    plan_day0(page, DAY0)
    expect(page.get_by_test_id("planned-day0")).to_have_text(DAY0.isoformat())
    make_lymphodepletion_plan(page, creatinine_umol_l="70", drawn_on=BACK_FROM_MANUFACTURER)
    expect(page.get_by_role("alert").filter(has_text="plan made")).to_be_visible()
    page.goto("/")
    expect(worklist(page, "plans-to-prescribe")).to_have_count(0)


def pharmacist_verifies_the_plan(tablets, course_pk: int) -> None:
    page = tablets.visit("pan", "/")
    worklist(page, "plans-to-verify").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/plan/$"))
    verify_plan(page)
    expect(page.get_by_test_id("signatures")).to_contain_text("Verified by Pan Xu")
    page.goto("/")
    expect(worklist(page, "plans-to-verify")).to_have_count(0)


def clinician_starts_lymphodepletion(tablets, course_pk: int) -> None:
    page = tablets.visit("ben", f"/infusion/courses/{course_pk}/plan/")
    page.get_by_role("button", name="Start lymphodepletion").click()
    expect(page.get_by_role("alert")).to_contain_text("moved to lymphodepletion")


def nurse_gives_the_first_dose(tablets, course_pk: int) -> None:
    page = tablets.visit("ada", "/infusion/today/")
    doses = page.get_by_test_id("doses-today").get_by_role("row").filter(has_text=NAME)
    expect(doses).to_have_count(2)  # fludarabine and cyclophosphamide, Day −5
    doses.filter(has_text="cyclophosphamide").get_by_role("link", name="Give").click()
    page.get_by_label("Batch").fill("CY-0617")
    page.get_by_role("button", name="Record administration").click()
    next_step(page, "Back to Today").click()
    expect(page).to_have_url(re.compile(r"/monitoring/today/\?ward=7a$"))
    page.goto("/infusion/today/")
    expect(
        page.get_by_test_id("doses-today")
        .get_by_role("row")
        .filter(has_text=NAME)
        .filter(has_text="cyclophosphamide")
        .get_by_role("link", name="Give")
    ).to_have_count(0)
