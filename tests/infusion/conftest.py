"""Infusion fixtures: Mrs Liu (ward 7A) with axi-cel in manufacturing, Day 0 on Saturday
20 June 2026, lymphodepletion (flu/cy) on Days −5 to −3, i.e. 15 to 17 June."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apheresis import services as apheresis_services
from apheresis.models import (
    Collection,
    CollectionSchedule,
    ManufacturingRecord,
    ProductReceipt,
    ScheduleStatus,
)
from infusion import services
from patients import services as patient_services
from tests.factories import PASSWORD, course_at_stage, product

CQ = ZoneInfo("Asia/Shanghai")
NOW = "2026-06-15 08:00 +08:00"
TODAY = date(2026, 6, 15)
DAY0 = date(2026, 6, 20)

PATH_TO_MANUFACTURING = ["screening", "eligible", "consented", "apheresis", "manufacturing"]

CALM_CHECK = {
    "active_uncontrolled_infection": False,
    "new_organ_dysfunction": False,
    "temperature_c": Decimal("36.8"),
    "heart_rate_bpm": 84,
    "systolic_bp_mmhg": 124,
    "diastolic_bp_mmhg": 76,
    "spo2_percent": 97,
    "respiratory_rate_per_min": 16,
    "paracetamol_given": True,
    "antihistamine_given": True,
    "prophylactic_steroid_given": False,
}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CQ)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def course_in_manufacturing(patient, clinician, *, code: str = "axi-cel"):
    course = patient_services.course_open(
        by=clinician, patient=patient, product=product(code), referred_on=date(2026, 5, 1)
    )
    for stage in PATH_TO_MANUFACTURING:
        course_at_stage(
            by=clinician, course=course, to_stage=stage, effective_date=date(2026, 5, 20)
        )
    course.refresh_from_db()
    return course


def add_product(course, coordinator, *, status="released", bags=1):
    """The apheresis side as rows: COI (through its service), collection, release, receipt."""
    coi = apheresis_services.coi_issue(by=coordinator, course=course)
    schedule = CollectionSchedule.objects.create(
        course=course,
        manufacturer_slot_ref="SLOT-1",
        collection_date=date(2026, 5, 21),
        collection_site="Apheresis unit",
        status=ScheduleStatus.COLLECTED,
        created_by=coordinator,
    )
    collection = Collection.objects.create(
        course=course,
        schedule=schedule,
        coi_id=coi.coi_id,
        collected_at=at(date(2026, 5, 21), 13),
        blood_volumes_processed=Decimal("2.5"),
        product_volume_ml=Decimal("180"),
        total_nucleated_cells_10e9=Decimal("12"),
        cd3_cells_10e9=Decimal("6"),
        staff="RN Wu",
        recorded_by=coordinator,
    )
    ManufacturingRecord.objects.create(
        collection=collection,
        coi_id=coi.coi_id,
        lot_number="LOT-7781",
        status=status,
        released_on=date(2026, 6, 10) if status.startswith("released") else None,
        failure_reason="" if status != "failed" else "No expansion",
        updated_by=coordinator,
    )
    if status.startswith("released"):
        ProductReceipt.objects.create(
            collection=collection,
            coi_id=coi.coi_id,
            lot_number="LOT-7781",
            received_at=at(date(2026, 6, 12), 10),
            bag_count=bags,
            total_cells_10e6=Decimal("140"),
            viability_percent=Decimal("92"),
            release_certificate="apheresis/certificates/x.pdf",
            storage_location="LN2-2 / rack C / box 4",
            received_by=coordinator,
        )
    return coi


@pytest.fixture
def course(frozen, patient_7a, dr_ben):
    return course_in_manufacturing(patient_7a, dr_ben)


@pytest.fixture
def planned(course, dr_ben):
    """Day 0 planned for 20 June and the axi-cel plan made with CrCl 90 mL/min."""
    services.day0_change(by=dr_ben, course=course, new_date=DAY0)
    plan = services.plan_create(by=dr_ben, course=course, crcl_ml_min=Decimal("90"))
    course.refresh_from_db()
    return plan


@pytest.fixture
def verified(planned, pharmacist_pan, coordinator_cai):
    """The plan verified, and the product released and received: lymphodepletion may start."""
    add_product(planned.course, coordinator_cai)
    services.plan_verify(
        by=pharmacist_pan, plan=planned, password=PASSWORD, expected_version=planned.version
    )
    planned.refresh_from_db()
    return planned


def give_all_doses(frozen, plan, nurse):
    """Each dose given at 10:00 on its planned day, as planned."""
    for dose in plan.doses.order_by("planned_on", "drug"):
        frozen.move_to(at(dose.planned_on, 11))
        services.administration_record(
            by=nurse,
            dose=dose,
            given_at=at(dose.planned_on, 10),
            dose_given_mg=dose.dose_mg,
            batch_number=f"B-{dose.drug[:3]}-{dose.day_number}",
        )


@pytest.fixture
def on_day0(frozen, verified, course, dr_ben, nurse_ada, coordinator_cai):
    """Lymphodepletion given; the morning of Day 0 with the product received and released."""
    services.lymphodepletion_start(by=dr_ben, course=course)
    give_all_doses(frozen, verified, nurse_ada)
    frozen.move_to(at(DAY0, 8))
    course.refresh_from_db()
    return course


@pytest.fixture
def gate_ready(on_day0, pharmacist_pan, nurse_ada, nurse_eve, frozen):
    """Everything the gate asks for is in place (not yet reviewed)."""
    course = on_day0
    coi = course.chain_of_identity.coi_id
    services.stock_confirm(by=pharmacist_pan, course=course, doses_available=2)
    services.pre_infusion_check_record(
        by=nurse_ada, course=course, checked_at=at(DAY0, 7, 50), **CALM_CHECK
    )
    apheresis_services.bedside_verify(
        password=PASSWORD, by=nurse_ada, course=course, scanned_text=coi
    )
    apheresis_services.bedside_verify(
        password=PASSWORD, by=nurse_eve, course=course, scanned_text=coi
    )
    return course


INFUSION = {
    "bags_infused": 1,
    "dose_cells_10e6": Decimal("140"),
    "temperature_c": Decimal("37.0"),
    "heart_rate_bpm": 88,
    "systolic_bp_mmhg": 120,
    "diastolic_bp_mmhg": 70,
    "spo2_percent": 97,
    "reactions": "",
}
