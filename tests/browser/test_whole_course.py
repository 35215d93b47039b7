"""Issue 17, done when: one new patient walked through the whole course in a browser, each step
done by the persona who does it in the hospital (the README's demo users), with the next-step
links, the work lists, the bag scanner, the zh-hans pages and the printed label and wallet card.

One long test on purpose: every step starts from what the previous persona left behind. Each
persona keeps one browser context; the clock moves with time-machine (the live server runs in
this process), and a jump of days ends the 30-minute sessions, so ``visit`` logs in again when
the login page answers.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from patients.models import TreatmentCourse
from tests.browser.steps import (
    check_bag,
    give_the_remaining_doses,
    menu,
    record_infusion,
    record_pre_infusion_check,
    review_gate,
    scan_bag,
)
from tests.browser.test_print import ID1_MM, assert_size, pdf_of, pdf_text
from tests.browser.whole_course_steps import (
    BACK_FROM_MANUFACTURER,
    DAY0,
    MRN,
    NAME,
    REFERRAL,
    Personas,
    at,
    clinician_plans_day0,
    clinician_refers_screens_and_consents,
    clinician_starts_lymphodepletion,
    coi_of,
    coordinator_books_and_collects,
    coordinator_receives_the_product,
    coordinator_ships_to_the_manufacturer,
    next_step,
    nurse_gives_the_first_dose,
    pharmacist_verifies_the_plan,
    worklist,
    zh,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def tablets(browser, live_server, request):
    tabs = Personas(browser, live_server)
    yield tabs
    report = getattr(request.node, "report_call", None)
    tabs.close(bool(report and report.failed), "whole_course")


def test_one_patient_walks_the_whole_course(
    tablets,
    settings,
    media,
    ward_7a,
    dr_ben,
    coordinator_cai,
    pharmacist_pan,
    nurse_ada,
    nurse_eve,
):
    with time_machine.travel(at(REFERRAL, 8), tick=True) as clock:
        course_pk = clinician_refers_screens_and_consents(tablets)
        coordinator_books_and_collects(tablets, course_pk, settings)
        coordinator_ships_to_the_manufacturer(tablets, course_pk)

        clock.move_to(at(BACK_FROM_MANUFACTURER, 8))
        coordinator_receives_the_product(tablets, course_pk)
        clinician_plans_day0(tablets, course_pk)
        pharmacist_verifies_the_plan(tablets, course_pk)
        clinician_starts_lymphodepletion(tablets, course_pk)
        nurse_gives_the_first_dose(tablets, course_pk)
        # The other doses of Days −5 to −3 are given as the first was, on the same page.
        course = TreatmentCourse.objects.get(pk=course_pk)
        give_the_remaining_doses(course, nurse=nurse_ada, clock=clock)

        clock.move_to(at(DAY0, 8))
        pharmacist_counts_tocilizumab(tablets, course_pk)
        nurses_check_the_bag(tablets, course_pk)
        clinician_reviews_the_gate(tablets, course_pk)
        clock.move_to(at(DAY0, 9))
        nurse_infuses_and_assesses(tablets, course_pk, clock)
        clock.move_to(at(DAY0 + timedelta(days=1), 10))
        crs_is_treated_and_the_escalation_acknowledged(tablets, course_pk, clock)
        nurse_reads_her_ward_in_chinese(tablets)

        clock.move_to(at(DAY0 + timedelta(days=15), 9))
        clinician_ends_monitoring_and_prints_the_wallet_card(tablets, course_pk)

        clock.move_to(at(DAY0 + timedelta(days=28), 9))
        nurse_records_day28(tablets, course_pk)
        clinician_ends_follow_up(tablets, course_pk)

    course = TreatmentCourse.objects.get(pk=course_pk)
    assert course.stage == "completed"
    assert course.day0_date == DAY0
    assert [e.to_stage for e in course.stage_events.order_by("id")] == [
        "referred",
        "screening",
        "eligible",
        "consented",
        "apheresis",
        "manufacturing",
        "lymphodepletion",
        "infusion",
        "monitoring",
        "follow_up",
        "completed",
    ]


# ---- Day 0: stock, pre-infusion check, bag check, gate, infusion ------------------------------


def pharmacist_counts_tocilizumab(tablets, course_pk: int) -> None:
    page = tablets.visit("pan", "/")
    expect(page.get_by_test_id("ward-stock-7a")).to_contain_text("Never counted")
    worklist(page, "stock-gates").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/gate/$"))
    page.locator("[name=doses_available]").fill("2")
    page.get_by_role("button", name="Confirm count").click()
    page.goto("/")
    expect(worklist(page, "stock-gates")).to_have_count(0)
    expect(page.get_by_test_id("ward-stock-7a")).to_contain_text("within 24 h")


def nurses_check_the_bag(tablets, course_pk: int) -> None:
    coi_id = coi_of(course_pk)
    page = tablets.visit("ada", "/infusion/today/")
    infusions = page.get_by_test_id("infusions-today").get_by_role("row").filter(has_text=NAME)
    infusions.get_by_role("link", name="Pre-infusion gate").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/gate/$"))
    expect(page.get_by_test_id("today-day-label")).to_have_text("Day 0")
    record_pre_infusion_check(page)

    # Ada checks the bag with the ward's scanner.
    scan_bag(page, coi_id)
    expect(page.get_by_role("alert")).to_contain_text("Bag matches")
    expect(page.get_by_test_id("gate-item-coi_bedside")).to_contain_text("1 of 2")

    # The second nurse of the two-person check, at the same bedside.
    page = tablets.visit("eve", f"/infusion/courses/{course_pk}/gate/")
    check_bag(page, coi_id)
    expect(page.get_by_test_id("gate-status")).to_have_text("All items pass")


def clinician_reviews_the_gate(tablets, course_pk: int) -> None:
    page = tablets.visit("ben", "/")
    worklist(page, "gate-reviews").click()
    expect(page).to_have_url(re.compile(rf"/infusion/courses/{course_pk}/gate/$"))
    review_gate(page)
    expect(page.get_by_role("alert")).to_contain_text("Gate passed")
    page.goto("/")
    expect(worklist(page, "gate-reviews")).to_have_count(0)


def nurse_infuses_and_assesses(tablets, course_pk: int, clock) -> None:
    page = tablets.visit("ada", f"/infusion/courses/{course_pk}/gate/")
    record_infusion(page, ended_at=at(DAY0, 9, 1), clock=clock)
    expect(page.get_by_role("alert")).to_contain_text("Infusion recorded: Day 0 is")
    next_step(page, "Open monitoring").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/courses/{course_pk}/$"))

    # Her ward's Today list now holds the patient on Day 0, with the assessment to do.
    page.get_by_role("link", name="Today", exact=True).click()
    row = page.get_by_test_id(f"today-row-{MRN}")
    expect(row).to_contain_text("Day 0")
    row.get_by_role("link", name="Assess").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/courses/{course_pk}/assess/$"))
    assess(page, CALM)
    expect(page.get_by_role("alert").filter(has_text="Assessment saved")).to_contain_text(
        "CRS grade 0"
    )


CALM = ("37.1", "82", "122", "74", "97", "16")
FEVER_HYPOTENSION = ("39.2", "118", "86", "50", "95", "22")


def assess(page, vitals, *, hypotension: bool = False) -> None:
    for label, value in zip(
        (
            "Highest temperature (°C)",
            "Heart rate (/min)",
            "Systolic BP (mmHg)",
            "Diastolic BP (mmHg)",
            "SpO₂ (%)",
            "Respiratory rate (/min)",
        ),
        vitals,
        strict=True,
    ):
        page.get_by_label(label).fill(value)
    if hypotension:
        page.get_by_label("Hypotension").check()
    page.get_by_role("button", name="Save assessment").click()


def crs_is_treated_and_the_escalation_acknowledged(tablets, course_pk: int, clock) -> None:
    """Day +1: fever and hypotension, CRS 2. Ada gives tocilizumab and goes back to Today; Dr
    Ben's start page shows the escalation until he acknowledges it; Day +2 is calm again."""
    page = tablets.visit("ada", "/monitoring/today/?ward=7a")
    page.get_by_test_id(f"today-row-{MRN}").get_by_role("link", name="Assess").click()
    assess(page, FEVER_HYPOTENSION, hypotension=True)
    expect(page.get_by_role("alert").filter(has_text="Assessment saved")).to_contain_text(
        "CRS grade 2"
    )
    page.get_by_role("link", name="Record intervention").click()
    expect(page.locator("[name=kind]")).to_have_value("tocilizumab")
    page.get_by_role("button", name="Save").click()
    next_step(page, "Back to Today").click()
    expect(page).to_have_url(re.compile(r"/monitoring/today/\?ward=7a$"))
    expect(page.get_by_test_id(f"today-row-{MRN}").get_by_test_id("crs-grade")).to_contain_text(
        "CRS 2"
    )

    page = tablets.visit("ben", "/")
    worklist(page, "escalations-to-acknowledge").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/courses/{course_pk}/$"))
    menu(page, "Escalations").click()
    card = page.get_by_test_id(f"escalation-{MRN}")
    card.get_by_placeholder("Plan / note").fill("Tocilizumab given; fluids")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Escalation acknowledged.")).to_be_visible()
    page.goto("/")
    expect(worklist(page, "escalations-to-acknowledge")).to_have_count(0)

    clock.move_to(at(DAY0 + timedelta(days=2), 9))
    page = tablets.visit("ada", "/monitoring/today/?ward=7a")
    page.get_by_test_id(f"today-row-{MRN}").get_by_role("link", name="Assess").click()
    assess(page, CALM)
    expect(page.get_by_role("alert").filter(has_text="Assessment saved")).to_contain_text(
        "CRS grade 0"
    )


def nurse_reads_her_ward_in_chinese(tablets) -> None:
    """Ada switches to zh-hans: chrome, Today list, timeline stage names, the system-written
    reason and the day labels are Chinese. She switches back for the rest of the walk."""
    page = tablets.visit("ada", "/monitoring/today/?ward=7a")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.get_by_role("link", name="今日任务", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    row = page.get_by_test_id(f"today-row-{MRN}")
    expect(row.get_by_role("link", name="评估")).to_be_visible()
    expect(row.locator(".day-label")).to_have_text(zh_day("+2"))

    page.get_by_role("link", name="患者", exact=True).click()
    page.get_by_role("link", name=MRN, exact=True).click()
    timeline = page.get_by_test_id("timeline").locator("li")
    expect(timeline.first).to_contain_text("已转诊")
    screening = timeline.nth(1)
    expect(screening).to_contain_text("筛选")
    # The reason the system wrote on the timeline, said in the reader's language.
    expect(screening).to_contain_text("筛选已开始。")
    expect(screening.locator(".day-label")).to_have_text(zh_day("−21"))
    infusion = timeline.nth(7)
    expect(infusion).to_contain_text("回输")
    expect(infusion.locator(".day-label")).to_have_text(zh_day("0"))
    expect(timeline.last).to_contain_text("监测")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("Screening started.")

    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def zh_day(n: str) -> str:
    """The day label in Chinese: msgid "Day %(n)s" with the signed day number (issue 17)."""
    label = zh("Day %(n)s", n=n)
    assert "天" in label, f"no zh msgstr for 'Day %(n)s' yet: {label!r}"
    return label


# ---- Monitoring ends, follow-up, course completed ------------------------------------------


def clinician_ends_monitoring_and_prints_the_wallet_card(tablets, course_pk: int) -> None:
    page = tablets.visit("ben", "/")
    worklist(page, "ends-to-sign").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/courses/{course_pk}/end/$"))
    page.get_by_label("Reason for ending monitoring").fill("Day +15, no CRS or ICANS")
    page.get_by_label("Your password (electronic signature)").fill(PASSWORD)
    page.get_by_role("button", name="Sign and end monitoring").click()
    expect(page.get_by_role("alert")).to_contain_text("Monitoring ended")
    expect(page).to_have_url(re.compile(rf"/follow-up/courses/{course_pk}/$"))
    page.goto("/")
    expect(worklist(page, "ends-to-sign")).to_have_count(0)

    page.goto(f"/follow-up/courses/{course_pk}/")
    page.get_by_role("link", name="Record discharge").click()
    page.locator("[name=caregiver_name]").fill("Xie Ming")
    page.locator("[name=caregiver_relationship]").fill("husband")
    page.locator("[name=caregiver_phone]").fill("+86 138 0000 0001")
    page.locator("[name=centre_phone]").fill("+86 23 6889 0000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Discharge recorded")
    page.get_by_role("link", name="Wallet card").click()
    reader = pdf_of(page)
    assert len(reader.pages) == 2  # front and back, on ID-1 card stock
    assert_size(reader, *ID1_MM)
    assert MRN in pdf_text(reader)


def nurse_records_day28(tablets, course_pk: int) -> None:
    # Monitoring has ended: off her ward's Today list, on the follow-up work list.
    page = tablets.visit("ada", "/monitoring/today/?ward=7a")
    expect(page.get_by_test_id(f"today-row-{MRN}")).to_have_count(0)
    page.goto("/follow-up/")
    page.get_by_test_id("due").get_by_role("link", name=re.compile(re.escape(NAME))).click()
    expect(page).to_have_url(re.compile(rf"/follow-up/courses/{course_pk}/$"))
    page.get_by_role("link", name="Record Day 28").click()
    page.get_by_label("Visit date").fill((DAY0 + timedelta(days=28)).isoformat())
    page.get_by_label("Disease response (Lugano 2014)").select_option("CR")
    page.get_by_label("Assessed by").select_option("pet_ct")
    page.get_by_label("Deauville score (PET)").fill("2")
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_role("alert")).to_contain_text("Visit recorded: Day 28")
    expect(page.get_by_test_id("best-response")).to_contain_text("Complete response (CR)")
    page.goto("/follow-up/")
    expect(page.get_by_test_id("due").get_by_role("link", name=re.compile(NAME))).to_have_count(0)


def clinician_ends_follow_up(tablets, course_pk: int) -> None:
    page = tablets.visit("ben", f"/follow-up/courses/{course_pk}/")
    page.get_by_label("Reason follow-up ends").fill("Transferred to the referring centre")
    page.get_by_role("button", name="End follow-up (course completed)").click()
    expect(page.get_by_role("alert")).to_contain_text("the course is completed")
