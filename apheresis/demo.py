"""Demo collection data, through the services: consented patients booked for a collection (one
with counts and venous access that block it), and patients in apheresis collected today, one
packed and waiting for the courier, one whose product is already back in storage. Courses the
demo walked past apheresis without collection records are left alone."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from core.uploads import blank_pdf
from patients.models import Stage, TreatmentCourse

from . import services
from .models import ChainOfIdentity, ManufacturingStatus


def seed(*, staff: dict, today) -> None:
    """Idempotent: a course that already has a COI ID is left as it is."""
    cai, ben = staff["cai"], staff["ben"]
    untouched = TreatmentCourse.objects.exclude(
        pk__in=ChainOfIdentity.objects.values("course_id")
    ).order_by("pk")
    for i, course in enumerate(untouched.filter(stage=Stage.CONSENTED)):
        _book(course, cai, today + timedelta(days=3 + i), low_counts=i == 0)
    times = _times_today()
    for i, course in enumerate(untouched.filter(stage=Stage.APHERESIS)):
        collection = _collect(course, cai, ben, today, times)
        _custody(collection, cai, [("packed", times[1], "Apheresis unit", "4.0")])
        if i % 2 == 1:
            _custody(
                collection,
                cai,
                [
                    ("handed_to_courier", times[2], "Loading bay", "4.0"),
                    ("received_by_manufacturer", times[3], "Manufacturer", None),
                    ("manufacturing_started", times[4], "Manufacturer", None),
                ],
            )
            _release_and_store(collection, cai, today, times)


def _times_today() -> list[datetime]:
    """Seven times in order, all earlier today (collections must be on their booked day)."""
    now = timezone.localtime()
    start = max(now - timedelta(hours=6), timezone.make_aware(datetime.combine(now.date(), time())))
    step = (now - start) / 7
    return [start + step * k for k in range(7)]


def _book(course, by, on, *, low_counts=False):
    return services.schedule_create(
        by=by,
        course=course,
        manufacturer_slot_ref=f"SLOT-{on:%Y%m%d}-{course.pk:04d}",
        collection_date=on,
        collection_site="Apheresis unit, 3rd floor",
        venous_access="peripheral_adequate" if not low_counts else "central_line_needed",
        alc_10e9_l=Decimal("0.08") if low_counts else Decimal("0.9"),
        cd3_cells_per_ul=120 if low_counts else 480,
        counts_drawn_on=timezone.localdate(),
        notes="Demo booking."
        if not low_counts
        else "Low counts after bridging: clinician to review.",
    )


def _collect(course, by, clinician, today, times):
    # The booking that took the course into apheresis is replaced by today's collection slot.
    for booked in course.collection_schedules.filter(status="planned"):
        services.schedule_cancel(by=by, schedule=booked, reason="Demo: rebooked for today.")
    schedule = _book(course, by, today)
    # Screening demo data may hold a recent therapy: the clinician reviews it, as on the ward.
    for check in services.schedule_blocking_checks(schedule):
        services.check_override(
            by=clinician,
            schedule=schedule,
            check_code=check.code,
            reason="Demo: reviewed by the attending clinician; collection goes ahead.",
        )
    return services.collection_record(
        by=by,
        schedule=schedule,
        collected_at=times[0],
        blood_volumes_processed=Decimal("2.5"),
        product_volume_ml=Decimal("185.0"),
        total_nucleated_cells_10e9=Decimal("11.8"),
        cd3_cells_10e9=Decimal("5.9"),
        staff="RN Wu, Dr Ma",
    )


def _custody(collection, by, steps):
    for kind, when, place, temperature in steps:
        services.custody_record(
            by=by,
            collection=collection,
            kind=kind,
            occurred_at=when,
            place=place,
            handled_by="Courier Zhang" if "courier" in kind else str(by),
            temperature_c=Decimal(temperature) if temperature else None,
        )


def _release_and_store(collection, by, today, times):
    _custody(
        collection,
        by,
        [
            ("released", times[5], "Manufacturer", None),
            ("shipped", times[5], "Manufacturer", "-150.0"),
        ],
    )
    record = collection.manufacturing
    lot = f"LOT-{collection.pk:05d}"
    services.manufacturing_update(
        by=by,
        collection=collection,
        expected_version=record.version,
        status=ManufacturingStatus.RELEASED,
        lot_number=lot,
        manufacturing_started_on=today,
        released_on=today,
    )
    services.product_receive(
        by=by,
        collection=collection,
        lot_number=lot,
        received_at=times[6],
        total_cells_10e6=Decimal("150"),
        viability_percent=Decimal("92.0"),
        release_certificate=ContentFile(blank_pdf(), name="certificate.pdf"),
        storage_location="LN2-2 / rack C / box 4",
        place="Cell therapy lab",
        temperature_c=Decimal("-160.0"),
    )
    _custody(collection, by, [("stored", times[6], "LN2-2 / rack C / box 4", "-180.0")])
