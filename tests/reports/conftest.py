"""A small programme walked through the real services: two infused courses (one responding,
one progressing and dying) and one fresh referral. Numbers the tests assert are worked out
in the fixture's docstring."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from followup import services as followup_services
from monitoring import services as monitoring_services
from patients import services as patient_services
from tests.factories import PatientFactory, course_at_stage, product
from tests.infusion.helpers import record_passed_gate

NOW = "2026-09-30 09:00 +08:00"
CQ = ZoneInfo("Asia/Shanghai")

CALM = {
    "temperature_c": "37.2",
    "heart_rate_bpm": 82,
    "systolic_bp_mmhg": 122,
    "diastolic_bp_mmhg": 74,
    "spo2_percent": 97,
    "respiratory_rate_per_min": 16,
    "oxygen_device": "room_air",
}
ICE_PERFECT = {
    "neuro_assessed": True,
    "ice_orientation": 4,
    "ice_naming": 3,
    "ice_commands": 1,
    "ice_writing": 1,
    "ice_attention": 1,
    "consciousness": "alert",
}
FEVER_HYPOTENSION = {
    **CALM,
    "temperature_c": "39.1",
    "systolic_bp_mmhg": 84,
    "diastolic_bp_mmhg": 48,
    "hypotension": True,
}


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CQ)


def walk(course, clinician, steps):
    for stage, on, by in steps:
        if stage == "infusion":
            # The pre-infusion gate (infusion app) must have passed for the infusion day.
            record_passed_gate(course, on=on, by=clinician)
        course_at_stage(by=by or clinician, course=course, to_stage=stage, effective_date=on)
    course.refresh_from_db()
    return course


def settle_escalations(course, clinician):
    for escalation in course.escalations.filter(acknowledged_at__isnull=True):
        monitoring_services.escalation_acknowledge(
            by=clinician, escalation=escalation, note="Seen; plan in notes."
        )


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def programme(frozen, patient_7a, patient_7b, ward_7a, dr_ben, nurse_ada, nurse_dan):
    """Course A (Mrs Liu, 7A, axi-cel, LBCL): referred 20 Jan, apheresis 8 Feb,
    lymphodepletion 25 Feb, Day 0 2 March 2026. CRS 2 on Day 1 (fever + hypotension) then 0;
    ICANS 0. Tocilizumab 560 mg and dexamethasone 10 mg on Day 1. Follow-up PR (30 Mar),
    CR (10 Jun), CR (1 Sep): best CR; no event, PFS and OS censored on 1 Sep = 183 days.

    Course B (Mr Zhao, 7B, tisa-cel, LBCL): referred 10 Feb, apheresis 1 Mar,
    lymphodepletion 27 Mar, Day 0 1 April. CRS 1 on Day 1 (fever alone), ICANS 0, ICU
    transfer on Day 1; grades 0 on 19 April, so monitoring may end. PD on 29 Apr (Day 28):
    PFS event at 28 days; died of progression on 30 May: OS event at 59 days.

    Course C (7A, cilta-cel, MM): referred 1 Sep 2026, nothing else.
    """
    a = patient_services.course_open(
        by=dr_ben, patient=patient_7a, product=product("axi-cel"), referred_on=date(2026, 1, 20)
    )
    walk(
        a,
        dr_ben,
        [
            ("screening", date(2026, 1, 22), None),
            ("eligible", date(2026, 1, 29), None),
            ("consented", date(2026, 2, 1), None),
            ("apheresis", date(2026, 2, 8), None),
            ("manufacturing", date(2026, 2, 9), None),
            ("lymphodepletion", date(2026, 2, 25), None),
            ("infusion", date(2026, 3, 2), None),
            ("monitoring", date(2026, 3, 2), None),
        ],
    )
    day1 = date(2026, 3, 3)
    grade2 = monitoring_services.assessment_record(
        by=nurse_ada, course=a, assessed_at=at(day1, 10), **FEVER_HYPOTENSION, **ICE_PERFECT
    )
    monitoring_services.intervention_record(
        by=dr_ben,
        course=a,
        kind="tocilizumab",
        given_at=at(day1, 11),
        assessment=grade2,
        dose_mg=Decimal("560"),
    )
    monitoring_services.intervention_record(
        by=dr_ben,
        course=a,
        kind="corticosteroid",
        given_at=at(day1, 18),
        drug="dexamethasone",
        dose_mg=Decimal("10"),
        route="IV",
    )
    monitoring_services.assessment_record(
        by=nurse_ada, course=a, assessed_at=at(date(2026, 3, 4), 10), **CALM, **ICE_PERFECT
    )
    # Monitoring ends only when the rule allows it (issue 16 item 3): escalation seen.
    settle_escalations(a, dr_ben)
    walk(a, dr_ben, [("follow_up", date(2026, 3, 20), None)])
    for on, response in (
        (date(2026, 3, 30), "PR"),
        (date(2026, 6, 10), "CR"),
        (date(2026, 9, 1), "CR"),
    ):
        followup_services.visit_record(
            by=nurse_ada, course=a, visit_date=on, lugano_response=response, imaging_method="pet_ct"
        )

    b = patient_services.course_open(
        by=dr_ben, patient=patient_7b, product=product("tisa-cel"), referred_on=date(2026, 2, 10)
    )
    walk(
        b,
        dr_ben,
        [
            ("screening", date(2026, 2, 12), None),
            ("eligible", date(2026, 2, 19), None),
            ("consented", date(2026, 2, 22), None),
            ("apheresis", date(2026, 3, 1), None),
            ("manufacturing", date(2026, 3, 2), None),
            ("lymphodepletion", date(2026, 3, 27), None),
            ("infusion", date(2026, 4, 1), None),
            ("monitoring", date(2026, 4, 1), None),
        ],
    )
    monitoring_services.assessment_record(
        by=nurse_dan,
        course=b,
        assessed_at=at(date(2026, 4, 2), 10),
        **{**CALM, "temperature_c": "38.6"},
        **ICE_PERFECT,
    )
    monitoring_services.intervention_record(
        by=dr_ben, course=b, kind="icu_transfer", given_at=at(date(2026, 4, 2), 12)
    )
    monitoring_services.assessment_record(
        by=nurse_dan, course=b, assessed_at=at(date(2026, 4, 19), 10), **CALM, **ICE_PERFECT
    )
    settle_escalations(b, dr_ben)
    walk(b, dr_ben, [("follow_up", date(2026, 4, 20), None)])
    followup_services.visit_record(
        by=nurse_dan,
        course=b,
        visit_date=date(2026, 4, 29),
        lugano_response="PD",
        imaging_method="ct",
    )
    followup_services.visit_record(
        by=dr_ben,
        course=b,
        visit_date=date(2026, 6, 1),
        vital_status="dead",
        death_date=date(2026, 5, 30),
        death_cause="progression",
    )

    c = patient_services.course_open(
        by=dr_ben,
        patient=PatientFactory(
            mrn="CQ7A0002", ward=ward_7a, attending_clinician=dr_ben, diagnosis="MM"
        ),
        product=product("cilta-cel"),
        referred_on=date(2026, 9, 1),
    )
    for course in (a, b, c):
        course.refresh_from_db()
    return {"a": a, "b": b, "c": c}


def days(n: int) -> timedelta:
    return timedelta(days=n)
