"""The steps of tests/browser/test_whole_course.py from referral to lymphodepletion: each a
persona's work in the browser, asserting the next-step link and the work lists it touches."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation
from playwright.sync_api import expect

from apheresis.models import CustodyEvent
from patients.models import TreatmentCourse
from tests.apheresis.conftest import PDF_BYTES
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_eligibility import CHOICES, LABS
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
    page.get_by_role("link", name="Register a patient").first.click()
    page.get_by_label("MRN").fill(MRN)
    page.get_by_label("Family name").fill("Xie")
    page.get_by_label("Given name").fill("Ling")
    page.get_by_label("Date of birth").fill("1969-07-20")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Weight (kg)").fill("58")
    page.get_by_label("Height (cm)").fill("162")
    page.get_by_label("Diagnosis").select_option("LBCL")
    page.get_by_label("Ward").select_option(label="Haematology 7A")
    page.get_by_label("Attending clinician").select_option(label="Ben Li")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("patient-name")).to_have_text(NAME)
    page.get_by_label("Product").select_option(label="axi-cel (Yescarta)")
    page.get_by_role("button", name="Open course").click()
    expect(page.get_by_test_id("course-stage")).to_have_text("Referred")

    course_card = page.get_by_test_id(re.compile(r"^course-\d+$"))
    course_card.get_by_role("link", name="Screening", exact=True).click()
    expect(page).to_have_url(re.compile(r"/eligibility/courses/\d+/$"))
    course_pk = int(re.search(r"/courses/(\d+)/$", page.url).group(1))
    page.get_by_role("button", name="Start screening").click()
    expect(page.get_by_role("alert")).to_contain_text("Screening started.")
    page.get_by_label("ECOG performance status").fill("1")
    for name, value in LABS.items():
        page.locator(f"[name={name}]").fill(value)
    for name, value in CHOICES.items():
        page.locator(f"[name={name}]").select_option(value)
    for i, (regimen, start, end, response, relapse) in enumerate(
        [
            ("R-CHOP", "2023-01-10", "2023-06-01", "CR", "2024-03-01"),
            ("R-GemOx", "2024-03-20", "2024-07-01", "PR", "2025-03-01"),
        ]
    ):
        page.locator(f"[name=lines-{i}-line_number]").fill(str(i + 1))
        page.locator(f"[name=lines-{i}-regimen]").fill(regimen)
        page.locator(f"[name=lines-{i}-start_date]").fill(start)
        page.locator(f"[name=lines-{i}-end_date]").fill(end)
        page.locator(f"[name=lines-{i}-best_response]").select_option(response)
        page.locator(f"[name=lines-{i}-progression_date]").fill(relapse)
    page.locator("[name=lines-0-drug_classes][value=anti_cd20]").check()
    page.get_by_role("button", name="Save and see the result").click()
    expect(page.get_by_test_id("rule-result")).to_have_text("Eligible")

    # The start page: the MDT decision waits for her; it leads to the decision page.
    page.goto("/")
    worklist(page, "mdt-due").click()
    expect(page).to_have_url(re.compile(rf"/eligibility/courses/{course_pk}/decision/$"))
    page.get_by_label("Approve").check()
    page.get_by_label("MDT members present").fill("Dr Ben, Dr Wang, RN Ada")
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("The course is now Eligible")

    page.goto("/")
    expect(worklist(page, "mdt-due")).to_have_count(0)
    worklist(page, "consents-to-take").click()
    expect(page).to_have_url(re.compile(rf"/eligibility/courses/{course_pk}/consent/$"))
    for label in (
        "Price of the treatment",
        "Expected benefit",
        "Risks of CRS and neurotoxicity (ICANS)",
        "Duty of long-term follow-up (up to 15 years)",
        "Driving and proximity restrictions after infusion",
    ):
        page.get_by_label(label).check()
    page.get_by_label("Signed consent document").set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Record consent").click()
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
    page.locator("[name=manufacturer_slot_ref]").fill("KITE-SLOT-0601")
    page.locator("[name=collection_date]").fill(REFERRAL.isoformat())
    page.locator("[name=collection_site]").fill("Apheresis unit")
    page.locator("[name=venous_access]").select_option("peripheral_adequate")
    page.locator("[name=alc_10e9_l]").fill("0.8")
    page.locator("[name=cd3_cells_per_ul]").fill("420")
    page.locator("[name=counts_drawn_on]").fill(REFERRAL.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/$"))

    # Booked: off the "to book" list, on the upcoming collections.
    page.goto("/apheresis/")
    expect(page.get_by_test_id(f"to-book-{MRN}")).to_have_count(0)
    page.get_by_test_id(f"upcoming-{MRN}").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/apheresis/courses/{course_pk}/$"))

    page.get_by_role("link", name="Record collection").click()
    page.get_by_label("Blood volumes processed").fill("2.5")
    page.get_by_label("Product volume (mL)").fill("180")
    page.get_by_label("Total nucleated cells (×10⁹)").fill("12.4")
    page.get_by_label("CD3+ cells (×10⁹)").fill("6.1")
    page.get_by_label("Staff").fill("RN Wu")
    page.get_by_role("button", name="Save").click()
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


def log_custody(page, coi_id: str, kind_label: str, place: str) -> None:
    """One scan plus confirm: the scan field has the focus, the next step is preselected,
    Enter after the scan moves to Confirm and a second Enter logs it."""
    page.get_by_role("link", name="Log custody event").click()
    scan = page.get_by_label("Scan the bag's COI ID")
    expect(scan).to_be_focused()
    expect(page.get_by_label("Event").locator("option:checked")).to_have_text(kind_label)
    page.get_by_label("Place").fill(place)
    page.get_by_label("Person").fill("Courier Zhang")
    scan.focus()
    page.keyboard.type(coi_id)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Custody event logged")).to_be_visible()


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
    page.get_by_role("link", name="Update manufacturing").click()
    page.get_by_label("Lot number").fill("LOT-0617")
    page.get_by_label("Status").select_option("released")
    page.get_by_label("Manufacturing started").fill((REFERRAL + timedelta(days=2)).isoformat())
    page.get_by_label("Released on").fill(BACK_FROM_MANUFACTURER.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("manufacturing")).to_contain_text("Released")

    page.get_by_role("link", name="Receive product").click()
    page.get_by_label("Lot number").fill("LOT-0617")
    # 2.0 ×10⁶ CAR-T cells/kg for 58 kg.
    page.get_by_label("Dose: CAR-positive viable T cells (×10⁶)").fill("116")
    page.get_by_label("Viability (%)").fill("91.5")
    page.get_by_label("Release certificate").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_label("Storage location").fill("LN2-2 / rack C / box 4")
    page.get_by_label("Received at (place)").fill("Cell therapy lab")
    page.get_by_label("Temperature on arrival (°C)").fill("-160")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="Product received")).to_be_visible()
    assert list(
        CustodyEvent.objects.filter(collection__course_id=course_pk)
        .order_by("id")
        .values_list("kind", flat=True)
    ) == [
        "collected",
        "packed",
        "handed_to_courier",
        "received_by_manufacturer",
        "manufacturing_started",
        "released",
        "shipped",
        "received_at_site",
    ]


# ---- Lymphodepletion: Dr Ben plans, Pan verifies, Ada gives ---------------------------------


def clinician_plans_day0(tablets, course_pk: int) -> None:
    page = tablets.visit("ben", "/")
    worklist(page, "plans-to-prescribe").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/$"))
    page.get_by_role("link", name="Plan Day 0").click()
    page.get_by_label("Planned Day 0").fill(DAY0.isoformat())
    page.get_by_role("button", name="Save Day 0").click()
    expect(page.get_by_test_id("planned-day0")).to_have_text(DAY0.isoformat())
    page.get_by_label("Latest serum creatinine").fill("70")
    page.get_by_label("Drawn on").fill(BACK_FROM_MANUFACTURER.isoformat())
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("alert").filter(has_text="plan made")).to_be_visible()
    page.goto("/")
    expect(worklist(page, "plans-to-prescribe")).to_have_count(0)


def pharmacist_verifies_the_plan(tablets, course_pk: int) -> None:
    page = tablets.visit("pan", "/")
    worklist(page, "plans-to-verify").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/plan/$"))
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Sign: verified by me").click()
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
