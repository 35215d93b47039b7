"""Main path in a browser: an auditor downloads a CSV export and opens the dashboard.

(The lead moves this file into tests/browser/; until then it borrows that harness.)
"""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.followup.conftest import infuse

pytestmark = pytest.mark.browser


def test_auditor_downloads_a_csv_and_opens_the_dashboard(page, auditor_cara, dr_ben, patient_7a):
    infuse(patient_7a, dr_ben, timezone.localdate() - timedelta(days=20))

    # Cara (auditor) rather than Alex: an administrator's login also asks for a TOTP code.
    log_in(page, "cara", PASSWORD)
    page.goto("/reports/exports/")
    page.get_by_label("Dataset").select_option("courses")
    page.get_by_label("Format").select_option("csv")
    # An identifiable export states its purpose (an administrator gets pseudonymised only).
    form = page.get_by_test_id("export-form")
    form.get_by_label("Patients appear").select_option("identifiable")
    form.get_by_label("Purpose of this export").fill("Quarterly audit of referrals")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export").click()
    download = info.value
    assert download.suggested_filename.startswith(
        "courses-"
    ) and download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8").read().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["mrn"], r["product"], r["stage"]) for r in rows] == [
        ("CQ7A0001", "axi-cel", "infusion")
    ]

    page.goto("/reports/exports/log/")
    expect(page.get_by_test_id("export-log")).to_contain_text("courses")
    expect(page.get_by_test_id("export-log")).to_contain_text("Quarterly audit of referrals")

    page.goto("/reports/")
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    expect(page.get_by_test_id("table-stages")).to_contain_text("Infusion")
    # Chart.js drew every chart from the JSON island (no inline script, no CDN).
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map((c) => Chart.getChart(c) !== undefined)"
    )
    assert drawn and all(drawn)
    with page.expect_download() as info:
        page.get_by_test_id("csv-pfs").click()
    assert info.value.suggested_filename.startswith("dashboard-pfs-")


def test_clinician_sees_when_the_figures_were_computed_and_recomputes_them(
    page, dr_ben, patient_7a, patient_7b
):
    from patients import services as patient_services
    from tests.factories import product

    patient_services.course_open(by=dr_ben, patient=patient_7a, product=product("axi-cel"))
    log_in(page, "ben", PASSWORD)
    page.goto("/reports/")
    expect(page.get_by_test_id("dashboard-as-of")).to_contain_text("Figures computed at")
    stages = page.get_by_test_id("table-stages")
    expect(stages.locator("tr", has_text="Referred")).to_contain_text("1")
    # A referral after the figures were computed shows once they are recomputed.
    patient_services.course_open(by=dr_ben, patient=patient_7b, product=product("axi-cel"))
    page.reload()
    expect(stages.locator("tr", has_text="Referred")).to_contain_text("1")
    page.get_by_test_id("dashboard-refresh").click()
    expect(page.get_by_text("The dashboard figures were recomputed.")).to_be_visible()
    expect(stages.locator("tr", has_text="Referred")).to_contain_text("2")
