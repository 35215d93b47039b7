"""Steps shared by the browser tests: what a user does the same way on many pages.

Each step fills a form and submits it, as the user does; the test then checks what came of it,
because the same step is sent with good data in one test and refused data in another. The only
checks inside a step are those of the step itself (where the focus goes, what is preselected).
"""

import re
from datetime import date, datetime, timedelta

from playwright.sync_api import expect

from apheresis.models import CustodyEvent
from core.uploads import blank_pdf
from infusion import services as infusion_services
from tests.factories import PASSWORD
from tests.infusion.conftest import at

# A real one-page PDF: uploads are read in full (core/uploads.py).
PDF_BYTES = blank_pdf()


def menu(page, name: str):
    """A link of the top menu bar itself, not the copy of it inside the "Work lists" dropdown.

    Matched by the menu's structure, not by visibility: a page whose stylesheet has not been
    applied yet shows the closed dropdown's items too (CI once saw both "Escalations" links).
    """
    page.wait_for_load_state()
    return page.locator("#mainnav > .navbar-nav > .nav-item > a.nav-link").filter(
        has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")
    )


# ---- Referral, screening, MDT, consent ------------------------------------------------------


def register_patient(page, *, mrn: str, date_of_birth: str) -> None:
    """Dr Ben registers XIE, Ling (58 kg, 162 cm, LBCL) on ward 7A under himself."""
    page.get_by_role("link", name="Register a patient").first.click()
    page.get_by_label("MRN").fill(mrn)
    page.get_by_label("Family name").fill("Xie")
    page.get_by_label("Given name").fill("Ling")
    page.get_by_label("Date of birth").fill(date_of_birth)
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Weight (kg)").fill("58")
    page.get_by_label("Height (cm)").fill("162")
    page.get_by_label("Diagnosis").select_option("LBCL")
    page.get_by_label("Ward").select_option(label="Haematology 7A")
    page.get_by_label("Attending clinician").select_option(label="Ben Li")
    page.get_by_role("button", name="Save").click()


# A fit LBCL patient after two lines: the screening rules find her eligible, HEMATOTOX low.
LABS = {
    "largest_lesion_cm": "4.5",
    "crcl_ml_min": "88",
    # Typed in the SI units the unit selectors default to (issue 16 item 9).
    "bilirubin_mg_dl": "12",  # µmol/L
    "alt_u_l": "32",
    "alt_uln_u_l": "40",
    "ast_u_l": "30",
    "ast_uln_u_l": "40",
    "lvef_percent": "62",
    "spo2_percent": "97",
    "haemoglobin_g_dl": "118",  # g/L
    "platelets_10e9_l": "190",
    "anc_10e9_l": "2.6",
    "alc_10e9_l": "0.9",
    "ldh_u_l": "220",
    "ldh_uln_u_l": "250",
    "ferritin_ng_ml": "420",
    "crp_mg_dl": "6",  # mg/L
}
CHOICES = {
    "diagnosis": "LBCL",
    "prior_autologous_transplant": "false",
    "transplant_candidate": "false",
    "cns_involvement": "false",
    "active_infection": "false",
    "hbv": "negative",
    "hcv": "negative",
    "hiv": "negative",
    "pregnancy": "not_applicable",
}
# Regimen, start, end, best response, progression.
PRIOR_LINES = [
    ("R-CHOP", "2023-01-10", "2023-06-01", "CR", "2024-03-01"),
    ("R-GemOx", "2024-03-20", "2024-07-01", "PR", "2025-03-01"),
]


def start_screening(page) -> None:
    page.get_by_role("button", name="Start screening").click()
    expect(page.get_by_role("alert")).to_contain_text("Screening started.")


def fill_screening(page) -> None:
    """Every section of the screening (ECOG 1, LABS, CHOICES, PRIOR_LINES, the first line
    anti-CD20), saved for the rules' result."""
    page.get_by_label("ECOG performance status").fill("1")
    for name, value in LABS.items():
        page.locator(f"[name={name}]").fill(value)
    for name, value in CHOICES.items():
        page.locator(f"[name={name}]").select_option(value)
    for i, (regimen, start, end, response, relapse) in enumerate(PRIOR_LINES):
        page.locator(f"[name=lines-{i}-line_number]").fill(str(i + 1))
        page.locator(f"[name=lines-{i}-regimen]").fill(regimen)
        page.locator(f"[name=lines-{i}-start_date]").fill(start)
        page.locator(f"[name=lines-{i}-end_date]").fill(end)
        page.locator(f"[name=lines-{i}-best_response]").select_option(response)
        page.locator(f"[name=lines-{i}-progression_date]").fill(relapse)
    page.locator("[name=lines-0-drug_classes][value=anti_cd20]").check()
    page.get_by_role("button", name="Save and see the result").click()


def record_mdt_approval(page, *, password: str = PASSWORD) -> None:
    """On the MDT decision page: approve, with the members present, signed by ``password``."""
    page.get_by_label("Approve").check()
    page.get_by_label("MDT members present").fill("Dr Ben, Dr Wang, RN Ada")
    page.get_by_label("Your password (electronic signature)").fill(password)
    page.get_by_role("button", name="Record decision").click()


def record_consent(page) -> None:
    """On the consent page: every item explained, the signed document attached."""
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


# ---- Apheresis: booking, collection, custody, manufacturing, receipt -------------------------


def book_collection(page, *, slot_ref: str, on: date) -> None:
    """On the booking form: the manufacturer's slot, a collection on ``on`` with the counts
    drawn that day (ALC 0.8, CD3 420/µL, adequate peripheral veins)."""
    page.locator("[name=manufacturer_slot_ref]").fill(slot_ref)
    page.locator("[name=collection_date]").fill(on.isoformat())
    page.locator("[name=collection_site]").fill("Apheresis unit")
    page.locator("[name=venous_access]").select_option("peripheral_adequate")
    page.locator("[name=alc_10e9_l]").fill("0.8")
    page.locator("[name=cd3_cells_per_ul]").fill("420")
    page.locator("[name=counts_drawn_on]").fill(on.isoformat())
    page.get_by_role("button", name="Save").click()


def record_collection(page, *, cd3_e9: str = "6.1") -> None:
    """From the course's apheresis page: 2.5 blood volumes, 180 mL, 12.4 ×10⁹ nucleated cells
    of which ``cd3_e9`` ×10⁹ CD3+."""
    page.get_by_role("link", name="Record collection").click()
    page.get_by_label("Blood volumes processed").fill("2.5")
    page.get_by_label("Product volume (mL)").fill("180")
    page.get_by_label("Total nucleated cells (×10⁹)").fill("12.4")
    page.get_by_label("CD3+ cells (×10⁹)").fill(cd3_e9)
    page.get_by_label("Staff").fill("RN Wu")
    page.get_by_role("button", name="Save").click()


# The custody form's events after the collection, in order: (value, label).
CUSTODY_KINDS = [
    ("packed", "Packed"),
    ("handed_to_courier", "Handed to courier"),
    ("received_by_manufacturer", "Received by manufacturer"),
    ("manufacturing_started", "Manufacturing started"),
    ("released", "Released by manufacturer"),
    ("shipped", "Shipped to site"),
]
# The custody chain from the collection to the product's receipt at the site.
COLLECTED_TO_RECEIVED = [
    "collected",
    "packed",
    "handed_to_courier",
    "received_by_manufacturer",
    "manufacturing_started",
    "released",
    "shipped",
    "received_at_site",
]


def log_custody(page, coi_id: str, kind_label: str, place: str) -> None:
    """One scan plus confirm: the scan field has the focus, the next step is preselected,
    Enter after the scan moves to Confirm and a second Enter logs it."""
    page.get_by_role("link", name="Log custody event").click()
    scan = page.get_by_label("Scan the bag's COI ID")
    expect(scan).to_be_focused()
    event = page.get_by_label("Event")
    expect(event.locator("option:checked")).to_have_text(kind_label)
    expect(event).to_have_value(next(v for v, label in CUSTODY_KINDS if label == kind_label))
    page.get_by_label("Place").fill(place)
    page.get_by_label("Person").fill("Courier Zhang")
    scan.focus()
    page.keyboard.type(coi_id)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Confirm")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Custody event logged")).to_be_visible()


def custody_kinds(course_pk: int) -> list[str]:
    """The course's custody events as logged, oldest first."""
    return list(
        CustodyEvent.objects.filter(collection__course_id=course_pk)
        .order_by("id")
        .values_list("kind", flat=True)
    )


def record_release(page, *, lot: str, started_on: date, released_on: date) -> None:
    """From the course's apheresis page: the manufacturer has released ``lot``."""
    page.get_by_role("link", name="Update manufacturing").click()
    page.get_by_label("Lot number").fill(lot)
    page.get_by_label("Status").select_option("released")
    page.get_by_label("Manufacturing started").fill(started_on.isoformat())
    page.get_by_label("Released on").fill(released_on.isoformat())
    page.get_by_role("button", name="Save").click()


def receive_product(page, *, lot: str, dose_e6: str) -> None:
    """From the course's apheresis page: ``lot`` arrives frozen (−160 °C, viability 91.5%)
    with its release certificate and ``dose_e6`` ×10⁶ CAR-positive viable T cells."""
    page.get_by_role("link", name="Receive product").click()
    page.get_by_label("Lot number").fill(lot)
    page.get_by_label("Dose: CAR-positive viable T cells (×10⁶)").fill(dose_e6)
    page.get_by_label("Viability (%)").fill("91.5")
    page.get_by_label("Release certificate").set_input_files(
        {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_label("Storage location").fill("LN2-2 / rack C / box 4")
    page.get_by_label("Received at (place)").fill("Cell therapy lab")
    page.get_by_label("Temperature on arrival (°C)").fill("-160")
    page.get_by_role("button", name="Save").click()


# ---- Lymphodepletion and Day 0 ---------------------------------------------------------------


def plan_day0(page, day0: date) -> None:
    """From the course's infusion page."""
    page.get_by_role("link", name="Plan Day 0").click()
    page.get_by_label("Planned Day 0").fill(day0.isoformat())
    page.get_by_role("button", name="Save Day 0").click()


def make_lymphodepletion_plan(page, *, creatinine_umol_l: str, drawn_on: date) -> None:
    """On the Day 0 page: the doses come from the latest creatinine (Cockcroft–Gault)."""
    page.get_by_label("Latest serum creatinine").fill(creatinine_umol_l)
    page.get_by_label("Drawn on").fill(drawn_on.isoformat())
    page.get_by_role("button", name="Make the plan").click()


def verify_plan(page, *, password: str = PASSWORD) -> None:
    """The pharmacist signs the plan as verified."""
    page.get_by_label("Your password (electronic signature)").fill(password)
    page.get_by_role("button", name="Sign: verified by me").click()


def give_the_remaining_doses(course, *, nurse, clock) -> None:
    """The lymphodepletion doses not yet given, each at 10:00 on its day and recorded at 11:00,
    as the first were in the browser; through the infusion service only to keep a walk short.
    ``clock`` is time-machine's."""
    plan = course.lymphodepletion_plan
    for dose in plan.doses.filter(administration__isnull=True).order_by("planned_on", "drug"):
        clock.move_to(at(dose.planned_on, 11))
        infusion_services.administration_record(
            by=nurse,
            dose=dose,
            given_at=at(dose.planned_on, 10),
            dose_given_mg=dose.dose_mg,
            batch_number="B-1",
        )


def record_pre_infusion_check(page) -> None:
    """From the gate: normal vitals, paracetamol and antihistamine given."""
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


def check_bag(page, coi_id: str) -> None:
    """On the gate: the COI ID typed in, signed with the nurse's password."""
    page.get_by_label("Scan or type the COI ID on the bag").fill(coi_id)
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Check bag").click()


def scan_bag(page, coi_id: str) -> None:
    """On the gate, the ward's scanner: a keyboard wedge behind a Chinese IME in full-width
    mode types the code into the autofocused field and presses Enter. Enter moves to the
    password and does not submit, the scan is kept, and the full-width ＣＯＩ－… is the same
    COI; the nurse types her password and Enter."""
    scan = page.get_by_label("Scan or type the COI ID on the bag")
    expect(scan).to_be_focused()
    expect(scan).to_have_attribute("autocomplete", "off")
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in coi_id)
    assert full_width.startswith("ＣＯＩ－")
    page.keyboard.type(full_width)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your password (electronic signature)")).to_be_focused()
    expect(scan).not_to_have_value("")
    expect(page.get_by_role("alert").filter(has_text="Bag matches")).to_have_count(0)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def review_gate(page) -> None:
    """The clinician signs the gate's review."""
    page.get_by_placeholder("Password to sign").fill(PASSWORD)
    page.get_by_role("button", name="Review the gate").click()


def record_infusion(page, *, ended_at: datetime, clock) -> None:
    """From the gate: the bag ran until ``ended_at``, vitals after are normal; the nurse saves
    a minute later (``clock`` is time-machine's), as the end may not be in the future."""
    page.get_by_role("link", name="Record the infusion").click()
    page.get_by_label("Ended at").fill(ended_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Temperature after (°C)").fill("37.0")
    page.get_by_label("Heart rate after (/min)").fill("88")
    page.get_by_label("Systolic BP after (mmHg)").fill("118")
    page.get_by_label("Diastolic BP after (mmHg)").fill("72")
    page.get_by_label("SpO₂ after (%)").fill("97")
    clock.move_to(ended_at + timedelta(minutes=1))
    page.get_by_role("button", name="Record infusion").click()
