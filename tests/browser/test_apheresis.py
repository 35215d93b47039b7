"""The coordinator's main path in a browser: record a collection, print the label, log custody
to the manufacturer and back, and receive the product."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apheresis import services
from apheresis.models import ProductReceipt
from tests.apheresis.conftest import consented_course
from tests.browser.conftest import log_in
from tests.browser.steps import (
    COLLECTED_TO_RECEIVED,
    custody_kinds,
    log_custody,
    receive_product,
    record_collection,
    record_release,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_coordinator_collects_labels_and_logs_custody_to_receipt(
    page,
    coordinator_cai,
    dr_ben,
    patient_7a,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    course = consented_course(patient_7a, dr_ben)
    today = timezone.localdate()
    services.schedule_create(
        by=coordinator_cai,
        course=course,
        manufacturer_slot_ref="KITE-SLOT-0415",
        collection_date=today,
        collection_site="Apheresis unit",
        venous_access="peripheral_adequate",
        alc_10e9_l=Decimal("0.8"),
        cd3_cells_per_ul=420,
        counts_drawn_on=today - timedelta(days=1),
    )

    log_in(page, "cai", PASSWORD)
    page.goto("/apheresis/")
    page.get_by_test_id(f"upcoming-{patient_7a.mrn}").get_by_role("link").click()
    expect(page.get_by_test_id("check-alc")).to_contain_text("Pass")

    # Record the collection.
    record_collection(page, cd3_e9="20")
    expect(
        page.get_by_text("CD3+ cells cannot be more than the total nucleated cells.")
    ).to_be_visible()
    page.get_by_label("CD3+ cells (×10⁹)").fill("6.1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="Collection recorded")).to_be_visible()
    coi_id = course.chain_of_identity.coi_id
    expect(page.get_by_test_id("coi-id")).to_contain_text(coi_id)
    expect(page.get_by_test_id("custody-collected")).to_contain_text("Apheresis unit")

    # Print the label: the COI ID, a QR code and the patient's identifiers, alone on paper.
    page.get_by_role("link", name="Print label").click()
    labels = page.get_by_test_id("coi-label")
    expect(labels).to_have_count(2)
    expect(labels.first).to_contain_text(coi_id)
    expect(labels.first).to_contain_text(patient_7a.mrn)
    expect(labels.first).to_contain_text("LIU, Fang")
    expect(labels.first.locator("svg.coi-qr")).to_be_visible()
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_role("button", name="Print label").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(labels.first).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back").click()

    # Log custody to the manufacturer and back; the form offers the next step each time.
    for kind, place in (
        ("Packed", "Apheresis unit"),
        ("Handed to courier", "Loading bay"),
        ("Received by manufacturer", "Manufacturer"),
        ("Manufacturing started", "Manufacturer"),
        ("Released by manufacturer", "Manufacturer"),
        ("Shipped to site", "Manufacturer"),
    ):
        log_custody(page, coi_id, kind, place)
    course.refresh_from_db()
    assert course.stage == "manufacturing"

    # An out-of-order step is refused loudly.
    page.get_by_role("link", name="Log custody event").click()
    page.get_by_label("Scan the bag's COI ID").fill(coi_id)
    page.get_by_label("Event").select_option("thawed")
    page.get_by_label("Place").fill("Ward 7A")
    page.get_by_label("Person").fill("RN Ada")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("“Thawed” needs “Received at site” recorded first")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()

    # The manufacturer releases lot LOT-7781.
    record_release(page, lot="LOT-7781", started_on=today, released_on=today)
    expect(page.get_by_test_id("manufacturing")).to_contain_text("Released")

    # Receive the product with its release certificate.
    receive_product(page, lot="LOT-7781", dose_e6="140")
    expect(page.get_by_role("alert").filter(has_text="Product received")).to_be_visible()
    expect(page.get_by_test_id("receipt")).to_contain_text("2.000 ×10⁶/kg")
    expect(page.get_by_test_id("custody-received_at_site")).to_contain_text("Cell therapy lab")
    expect(page.get_by_test_id("vein-to-vein")).to_contain_text("so far")

    receipt = ProductReceipt.objects.get()
    assert receipt.lot_number == "LOT-7781" and receipt.coi_id == coi_id
    assert custody_kinds(course.pk) == COLLECTED_TO_RECEIVED
