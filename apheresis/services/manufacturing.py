"""Apheresis writes: the manufacturing record and out-of-specification results."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User

from ..models import (
    Collection,
    ManufacturingRecord,
    ManufacturingStatus,
    OutOfSpecResult,
)
from .access import MANUFACTURING_FIELDS, _local_date, _require_writer, _stale
from .collection import _lock_collection

# --- Manufacturing -------------------------------------------------------------------------


@transaction.atomic
def manufacturing_update(
    *, by: User, collection: Collection, expected_version: int, **fields
) -> ManufacturingRecord:
    unknown = set(fields) - set(MANUFACTURING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown manufacturing fields: {sorted(unknown)}")
    collection = _lock_collection(collection)
    _require_writer(by, collection.course)
    record = ManufacturingRecord.objects.select_for_update().get(collection=collection)
    _stale(record, expected_version)
    if hasattr(collection, "receipt"):
        raise ValidationError(
            _("The product has been received; its manufacturing record is closed.")
        )
    for name, value in fields.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    _check_manufacturing(record)
    record.updated_by = by
    record.version += 1
    record.full_clean()
    record._history_user = by
    record.save()
    return record


def _check_manufacturing(record: ManufacturingRecord) -> None:
    errors = {}
    today = timezone.localdate()
    for name in ("manufacturing_started_on", "released_on"):
        value = getattr(record, name)
        if value and value > today:
            errors[name] = _("This date cannot be in the future.")
    collected_on = _local_date(record.collection.collected_at)
    if record.manufacturing_started_on and record.manufacturing_started_on < collected_on:
        errors["manufacturing_started_on"] = _("Manufacturing cannot start before the collection.")
    if (
        record.released_on
        and record.manufacturing_started_on
        and record.released_on < record.manufacturing_started_on
    ):
        errors["released_on"] = _("Release cannot come before manufacturing started.")
    released = record.status in (
        ManufacturingStatus.RELEASED,
        ManufacturingStatus.RELEASED_OUT_OF_SPEC,
    )
    if released and not record.released_on:
        errors["released_on"] = _("Enter the release date.")
    if released and not record.lot_number:
        errors["lot_number"] = _("A released product has a lot number.")
    if record.status == ManufacturingStatus.FAILED and not record.failure_reason:
        errors["failure_reason"] = _("Say why manufacturing failed.")
    if (
        record.status == ManufacturingStatus.RELEASED_OUT_OF_SPEC
        and record.pk
        and not record.oos_results.exists()
    ):
        errors["status"] = _("Record the out-of-specification results first.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def oos_record(
    *,
    by: User,
    collection: Collection,
    parameter: str,
    result: str,
    specification: str,
    notes: str = "",
) -> OutOfSpecResult:
    collection = _lock_collection(collection)
    _require_writer(by, collection.course)
    record = ManufacturingRecord.objects.get(collection=collection)
    oos = OutOfSpecResult(
        manufacturing=record,
        parameter=(parameter or "").strip(),
        result=(result or "").strip(),
        specification=(specification or "").strip(),
        notes=(notes or "").strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    oos.full_clean()
    oos._history_user = by
    oos.save()
    return oos
