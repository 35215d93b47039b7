"""Shared fixtures: Mrs Liu (ward 7A) consented for axi-cel, her collection booked for today."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from apheresis import services
from apheresis.models import ManufacturingStatus
from core.uploads import blank_pdf, tiny_png
from patients import services as patient_services
from tests.factories import course_at_stage, product

# Monday 15 June 2026, 09:00 in Chongqing (the centre's zone in the settings).
NOW = "2026-06-15 09:00 +08:00"
TODAY = date(2026, 6, 15)
CQ = ZoneInfo("Asia/Shanghai")

# A real one-page PDF and a real 1x1 PNG: uploads are read in full (core/uploads.py).
PDF_BYTES = blank_pdf()
PNG_BYTES = tiny_png()

PATH_TO_CONSENT = ["screening", "eligible", "consented"]

GOOD_SCHEDULE = {
    "manufacturer_slot_ref": "KITE-SLOT-2026-0415",
    "collection_date": TODAY,
    "collection_site": "Apheresis unit, 3rd floor",
    "venous_access": "peripheral_adequate",
    "alc_10e9_l": Decimal("0.80"),
    "cd3_cells_per_ul": 420,
    "counts_drawn_on": TODAY - timedelta(days=2),
}

GOOD_COLLECTION = {
    "blood_volumes_processed": Decimal("2.5"),
    "product_volume_ml": Decimal("180.0"),
    "total_nucleated_cells_10e9": Decimal("12.40"),
    "cd3_cells_10e9": Decimal("6.10"),
    "staff": "RN Wu, Dr Ma",
}


def at(hour: int, minute: int = 0, day: date = TODAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CQ)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def consented_course(patient, clinician, *, code: str = "axi-cel"):
    course = patient_services.course_open(
        by=clinician, patient=patient, product=product(code), referred_on=date(2026, 5, 1)
    )
    for stage in PATH_TO_CONSENT:
        course_at_stage(
            by=clinician, course=course, to_stage=stage, effective_date=date(2026, 5, 20)
        )
    course.refresh_from_db()
    return course


@pytest.fixture
def course(frozen, patient_7a, dr_ben):
    """Mrs Liu on ward 7A, consented for axi-cel."""
    return consented_course(patient_7a, dr_ben)


@pytest.fixture
def schedule(course, coordinator_cai):
    return services.schedule_create(by=coordinator_cai, course=course, **GOOD_SCHEDULE)


@pytest.fixture
def collection(frozen, schedule, coordinator_cai):
    frozen.move_to("2026-06-15 16:00 +08:00")
    return services.collection_record(
        by=coordinator_cai, schedule=schedule, collected_at=at(13, 30), **GOOD_COLLECTION
    )


def ship_to_manufacturer(collection, by):
    for kind, when, place, temperature in (
        ("packed", at(14, 0), "Apheresis unit", "4.0"),
        ("handed_to_courier", at(14, 30), "Loading bay", "4.0"),
    ):
        services.custody_record(
            by=by,
            collection=collection,
            kind=kind,
            occurred_at=when,
            place=place,
            handled_by="Courier Zhang",
            temperature_c=Decimal(temperature),
        )


def pdf(name: str = "certificate.pdf", content: bytes = PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def manufacture_and_ship_back(frozen, collection, by, *, lot="LOT-7781"):
    """From the courier to the cells shipped back to the site, 18 days later."""
    ship_to_manufacturer(collection, by)
    frozen.move_to("2026-07-03 12:00 +08:00")
    day = date(2026, 6, 16)
    for kind, when in (
        ("received_by_manufacturer", at(9, 0, day)),
        ("manufacturing_started", at(15, 0, day)),
        ("released", at(10, 0, date(2026, 7, 1))),
        ("shipped", at(16, 0, date(2026, 7, 1))),
    ):
        services.custody_record(
            by=by,
            collection=collection,
            kind=kind,
            occurred_at=when,
            place="Manufacturer, Santa Monica",
            handled_by="Manufacturer QA",
            temperature_c=Decimal("-150.0") if kind == "shipped" else None,
        )
    record = collection.manufacturing
    record.refresh_from_db()
    services.manufacturing_update(
        by=by,
        collection=collection,
        expected_version=record.version,
        lot_number=lot,
        status=ManufacturingStatus.RELEASED,
        manufacturing_started_on=day,
        released_on=date(2026, 7, 1),
    )
