"""The stages apheresis owns and the record each needs (patients/stage_entry.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import rules as course_rules
from patients import stage_entry

from .models import (
    Collection,
    CollectionSchedule,
    CustodyEvent,
    CustodyKind,
    ManufacturingRecord,
    ScheduleStatus,
)


def booked_collection_missing(course) -> str | None:
    if (
        CollectionSchedule.objects.filter(course=course)
        .exclude(status=ScheduleStatus.CANCELLED)
        .exists()
    ):
        return None
    return _("No collection has been booked: book it on the course's Apheresis page.")


def shipped_collection_missing(course) -> str | None:
    if CustodyEvent.objects.filter(
        collection__course=course, kind=CustodyKind.HANDED_TO_COURIER
    ).exists():
        return None
    return _(
        "No collection has been handed to the courier for the manufacturer: record the "
        "collection and its chain of custody on the course's Apheresis page."
    )


# --- Demo records: the evidence of a demo course walked back in time (seed_demo, tests). ---


def _at(on, hour: int):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(on, time(hour)))


def _demo_booking(*, course, by, on) -> CollectionSchedule:
    return CollectionSchedule.objects.create(
        course=course,
        manufacturer_slot_ref=f"DEMO-{course.pk:05d}",
        collection_date=on,
        collection_site="Apheresis unit",
        status=ScheduleStatus.PLANNED,
        created_by=by,
    )


def _demo_shipment(*, course, by, on) -> Collection:
    from decimal import Decimal

    from .services import coi_issue

    schedule = course.collection_schedules.filter(
        status=ScheduleStatus.PLANNED
    ).first() or _demo_booking(course=course, by=by, on=on)
    schedule.status = ScheduleStatus.COLLECTED
    schedule.save()
    coi = coi_issue(by=by, course=course)
    collection = Collection.objects.create(
        course=course,
        schedule=schedule,
        coi_id=coi.coi_id,
        collected_at=_at(schedule.collection_date, 9),
        blood_volumes_processed=Decimal("2.5"),
        product_volume_ml=Decimal("180"),
        total_nucleated_cells_10e9=Decimal("12"),
        cd3_cells_10e9=Decimal("6"),
        staff="RN Wu",
        recorded_by=by,
    )
    ManufacturingRecord.objects.create(collection=collection, coi_id=coi.coi_id, updated_by=by)
    for kind, moment in (
        (CustodyKind.COLLECTED, _at(schedule.collection_date, 13)),
        (CustodyKind.HANDED_TO_COURIER, _at(on, 15)),
    ):
        CustodyEvent.objects.create(
            collection=collection,
            coi_id=coi.coi_id,
            kind=kind,
            occurred_at=moment,
            place="Apheresis unit",
            handled_by="RN Wu",
            recorded_by=by,
            recorded_at=moment,
        )
    return collection


def _demo_release_and_receipt(*, course, by, on) -> None:
    """The product released by the manufacturer and received at the centre: apheresis' rows,
    which lymphodepletion needs (a demo step registered before that stage)."""
    from datetime import datetime, time
    from decimal import Decimal

    from django.utils import timezone

    from .models import ManufacturingStatus, ProductReceipt

    collection = course.collections.order_by("-collected_at").first()
    lot = f"LOT-{collection.pk:05d}"
    ManufacturingRecord.objects.filter(collection=collection).audited_update(
        by=by,
        reason="demo: product released",
        status=ManufacturingStatus.RELEASED,
        lot_number=lot,
        released_on=on,
    )
    ProductReceipt.objects.get_or_create(
        collection=collection,
        defaults={
            "coi_id": collection.coi_id,
            "lot_number": lot,
            "received_at": timezone.make_aware(datetime.combine(on, time(10))),
            "bag_count": 1,
            "total_cells_10e6": Decimal("140"),
            "viability_percent": Decimal("92"),
            "release_certificate": "apheresis/certificates/demo.pdf",
            "storage_location": "LN2-2 / rack C / box 4",
            "received_by": by,
        },
    )


def register() -> None:
    stage_entry.register(
        stage=course_rules.APHERESIS,
        service="apheresis.services.collection_record",
        evidence_missing=booked_collection_missing,
        demo_record=_demo_booking,
        record_where=gettext_lazy("the course's Apheresis page (record the collection)"),
    )
    stage_entry.register(
        stage=course_rules.MANUFACTURING,
        service="apheresis.services.custody_record",
        evidence_missing=shipped_collection_missing,
        demo_record=_demo_shipment,
        record_where=gettext_lazy(
            "the course's Apheresis page (hand the collection to the courier)"
        ),
    )
    stage_entry.register_demo_step_before(
        stage=course_rules.LYMPHODEPLETION, demo_record=_demo_release_and_receipt
    )
