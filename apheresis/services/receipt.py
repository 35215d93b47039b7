"""Apheresis writes: product receipt (release certificate) and bag verification."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.uploads import check_upload_content, read_upload
from patients.models import TreatmentCourse
from patients.selectors import user_can_see_patient

from .. import rules
from ..models import (
    BagVerification,
    ChainOfIdentity,
    Collection,
    CustodyKind,
    ManufacturingRecord,
    ManufacturingStatus,
    ProductReceipt,
    ScanResult,
    VerificationPurpose,
)
from .access import (
    CERTIFICATE_MAX_BYTES,
    CERTIFICATE_SIGNATURES,
    _aware,
    _require_writer,
    can_verify,
)
from .collection import _custody_append, _lock_collection

# --- Product receipt -----------------------------------------------------------------------


def validate_certificate(upload) -> None:
    """A PDF or an image of the release certificate, checked by content, not only by name."""
    if upload is None:
        raise ValidationError({"release_certificate": _("Attach the release certificate.")})
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in CERTIFICATE_SIGNATURES:
        raise ValidationError(
            {"release_certificate": _("The certificate must be a PDF, PNG or JPEG file.")}
        )
    if upload.size > CERTIFICATE_MAX_BYTES:
        raise ValidationError(
            {
                "release_certificate": _("The certificate is larger than %(mb)s MB.")
                % {"mb": CERTIFICATE_MAX_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in CERTIFICATE_SIGNATURES[extension]):
        raise ValidationError(
            {
                "release_certificate": _("The file's content is not a %(type)s.")
                % {"type": extension.upper()}
            }
        )
    try:
        check_upload_content(read_upload(upload), extension)
    except ValidationError as error:
        raise ValidationError({"release_certificate": error.messages}) from error


@transaction.atomic
def product_receive(
    *,
    by: User,
    collection: Collection,
    lot_number: str,
    received_at: datetime,
    total_cells_10e6: Decimal,
    viability_percent: Decimal,
    release_certificate,
    storage_location: str,
    place: str,
    bag_count: int = 1,
    temperature_c: Decimal | None = None,
    notes: str = "",
) -> ProductReceipt:
    """Receive the released product: lot (must match the manufacturer's), dose, viability and
    certificate. Logs "received at site" on the chain of custody."""
    collection = _lock_collection(collection)
    course = collection.course
    _require_writer(by, course)
    if ProductReceipt.objects.filter(collection=collection).exists():
        raise ValidationError(_("This product has already been received."))
    record = ManufacturingRecord.objects.get(collection=collection)
    if record.status not in (
        ManufacturingStatus.RELEASED,
        ManufacturingStatus.RELEASED_OUT_OF_SPEC,
    ):
        raise ValidationError(
            _("The manufacturer has not released this product (status: %(status)s).")
            % {"status": record.get_status_display()}
        )
    lot_number = (lot_number or "").strip()
    if record.lot_number and lot_number != record.lot_number:
        raise ValidationError(
            {
                "lot_number": _(
                    "Lot %(lot)s does not match the manufacturer's lot %(expected)s for this "
                    "COI ID. Do not accept the product; contact the manufacturer."
                )
                % {"lot": lot_number, "expected": record.lot_number}
            }
        )
    _aware("received_at", received_at)
    validate_certificate(release_certificate)
    receipt = ProductReceipt(
        collection=collection,
        coi_id=collection.coi_id,
        lot_number=lot_number,
        received_at=received_at,
        bag_count=bag_count,
        total_cells_10e6=total_cells_10e6,
        viability_percent=viability_percent,
        storage_location=(storage_location or "").strip(),
        received_by=by,
    )
    if course.product.code in rules.WEIGHT_DOSED_PRODUCTS and total_cells_10e6:
        receipt.weight_kg_for_dose = course.patient.weight_kg
        receipt.dose_per_kg_10e6 = rules.dose_per_kg_10e6(
            total_cells_10e6=total_cells_10e6, weight_kg=course.patient.weight_kg
        )
    receipt.release_certificate = release_certificate
    receipt.full_clean()
    _custody_append(
        by=by,
        collection=collection,
        kind=CustodyKind.RECEIVED_AT_SITE,
        occurred_at=received_at,
        place=place,
        handled_by=str(by),
        temperature_c=temperature_c,
        notes=(notes or "").strip(),
    )
    receipt._history_user = by
    receipt.save()
    return receipt


# --- Bag verification ----------------------------------------------------------------------


def bag_verify(
    *, by: User, course: TreatmentCourse, scanned_text: str, purpose: str
) -> BagVerification:
    """Compare a bag's COI ID with the patient's. Every attempt is logged, the refused ones
    too; the caller shows a refusal loudly (verification.matched is False)."""
    if not can_verify(by):
        raise PermissionDenied(_("Your role may not verify bags."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))
    if purpose not in VerificationPurpose.values:
        raise ValidationError({"purpose": _("Choose what the bag is being checked for.")})
    coi = ChainOfIdentity.objects.filter(course=course).first()
    expected = coi.coi_id if coi else ""
    result = (
        rules.coi_compare(scanned=scanned_text, expected=expected) if coi else ScanResult.NO_COI
    )
    with transaction.atomic():
        verification = BagVerification(
            course=course,
            expected_coi_id=expected,
            scanned_text=(scanned_text or "")[:200],
            result=result,
            purpose=purpose,
            verified_by=by,
            verified_at=timezone.now(),
        )
        verification._history_user = by
        verification.save()
    return verification


def certificate_limit_mb() -> int:
    return CERTIFICATE_MAX_BYTES // (1024 * 1024)
