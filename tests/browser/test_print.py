"""Issue 17, print: the bag label on the printer's label stock (settings.LABEL_STOCK_MM), the
lymphodepletion plan on A4 with a NOT VERIFIED watermark until a pharmacist verifies it, the
wallet card on ID-1 card stock (85.6 × 54 mm). Chromium prints each page to PDF with the
page's own @page size; pypdf reads the page sizes and the text back.
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from followup import services as followup_services
from infusion import services as infusion_services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.followup.conftest import infuse
from tests.infusion.conftest import add_product, course_in_manufacturing

pytestmark = pytest.mark.browser

POINTS_PER_MM = 72 / 25.4
A4_MM = (210, 297)
ID1_MM = (85.6, 54)

# Every COI ID, MRN, date, Day ±N and dose on the page: one line each, whatever the paper.
TOKENS_ON_ONE_LINE = """() => [...document.querySelectorAll(
    '.coi-id, .date-value, .dose-value, .day-label')]
  .filter((el) => el.offsetParent !== null && el.textContent.trim())
  .map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return {text: el.textContent.trim(), nowrap: getComputedStyle(el).whiteSpace === 'nowrap',
            lines: tops.size};
  })"""
# Each printed piece (a label, a side of the card) holds all its text: nothing spills over.
OVERFLOWING = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
  .length"""


def pdf_of(page) -> PdfReader:
    page.emulate_media(media="null")  # page.pdf() prints with print media unless told screen
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))


def page_sizes_mm(reader: PdfReader) -> list[tuple[float, float]]:
    return [
        (
            round(float(p.mediabox.width) / POINTS_PER_MM, 1),
            round(float(p.mediabox.height) / POINTS_PER_MM, 1),
        )
        for p in reader.pages
    ]


def assert_size(reader: PdfReader, width_mm: float, height_mm: float) -> None:
    for p in reader.pages:
        assert abs(float(p.mediabox.width) - width_mm * POINTS_PER_MM) <= 1, page_sizes_mm(reader)
        assert abs(float(p.mediabox.height) - height_mm * POINTS_PER_MM) <= 1, page_sizes_mm(reader)


def pdf_text(reader: PdfReader) -> str:
    return "\n".join(p.extract_text() or "" for p in reader.pages)


def assert_tokens_unbroken(page, *, at_least: int) -> None:
    page.emulate_media(media="print")
    tokens = page.evaluate(TOKENS_ON_ONE_LINE)
    page.emulate_media(media="null")
    assert len(tokens) >= at_least, tokens
    broken = [t for t in tokens if not t["nowrap"] or t["lines"] != 1]
    assert not broken, broken


def assert_print_button(page, name: str) -> None:
    button = page.get_by_role("button", name=name)
    expect(button).to_be_visible()
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    button.click()
    assert page.evaluate("window.printed") == 1


@pytest.mark.parametrize("stock_mm", [(100, 50), (101.6, 76.2)])
def test_bag_label_prints_one_label_a_page_on_the_label_stock(
    page, settings, stock_mm, dr_ben, coordinator_cai, patient_7a
):
    settings.LABEL_STOCK_MM = stock_mm
    course = course_in_manufacturing(patient_7a, dr_ben)
    coi = add_product(course, coordinator_cai)

    log_in(page, "cai", PASSWORD)
    page.goto(f"/apheresis/courses/{course.pk}/label/")
    assert_print_button(page, "Print label")
    assert_tokens_unbroken(page, at_least=6)  # COI ID, MRN, DOB, collected: two copies
    page.emulate_media(media="print")
    assert page.evaluate(OVERFLOWING, ".coi-label") == 0

    reader = pdf_of(page)
    assert len(reader.pages) == 2  # two copies, one a label
    assert_size(reader, *stock_mm)
    assert pdf_text(reader).count(coi.coi_id) >= 2


def test_plan_prints_on_a4_with_a_watermark_until_verified(
    page, dr_ben, pharmacist_pan, patient_7a
):
    course = course_in_manufacturing(patient_7a, dr_ben)
    infusion_services.day0_change(
        by=dr_ben, course=course, new_date=timezone.localdate() + timedelta(days=10)
    )
    plan = infusion_services.plan_create(by=dr_ben, course=course, crcl_ml_min=Decimal("90"))

    log_in(page, "pan", PASSWORD)
    page.goto(f"/infusion/courses/{course.pk}/plan/")
    # On screen too: the watermark and a sentence saying why.
    expect(page.get_by_test_id("plan-watermark")).to_be_visible()
    expect(page.get_by_test_id("plan-not-verified")).to_contain_text("NOT VERIFIED")
    assert_print_button(page, "Print")
    assert_tokens_unbroken(page, at_least=10)  # MRN, DOB, each dose's date and doses
    reader = pdf_of(page)
    assert_size(reader, *A4_MM)
    text = pdf_text(reader)
    assert "NOT VERIFIED" in text
    assert patient_7a.mrn in text

    infusion_services.plan_verify(
        by=pharmacist_pan, plan=plan, password=PASSWORD, expected_version=plan.version
    )
    page.reload()
    expect(page.get_by_test_id("plan-watermark")).to_have_count(0)
    reader = pdf_of(page)
    assert_size(reader, *A4_MM)
    text = pdf_text(reader)
    assert "NOT VERIFIED" not in text
    assert patient_7a.mrn in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_wallet_card_prints_front_and_back_on_id1_card_stock(page, language, dr_ben, patient_7a):
    # The card speaks the patient's language; both must fit the card.
    patient_7a.preferred_language = language
    patient_7a.save(update_fields=["preferred_language"])
    today = timezone.localdate()
    course = infuse(patient_7a, dr_ben, today - timedelta(days=20))
    followup_services.discharge_record(
        by=dr_ben,
        course=course,
        discharge_date=today - timedelta(days=5),
        caregiver_name="Liu Jian",
        caregiver_relationship="son",
        caregiver_phone="+86 138 0000 0000",
        centre_phone="+86 23 6889 0000",
    )

    log_in(page, "ben", PASSWORD)
    page.goto(f"/follow-up/courses/{course.pk}/wallet-card/")
    assert_print_button(page, "Print card")
    assert_tokens_unbroken(page, at_least=6)  # born, MRN, Day 0, phone, two restriction dates
    page.emulate_media(media="print")
    assert page.evaluate(OVERFLOWING, ".wallet-card") == 0

    reader = pdf_of(page)
    assert len(reader.pages) == 2  # front and back
    assert_size(reader, *ID1_MM)
    text = pdf_text(reader)
    assert patient_7a.mrn in text and "+86 23 6889 0000" in text
