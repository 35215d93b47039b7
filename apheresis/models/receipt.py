"""Product receipt at the site and bag verification before infusion."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apheresis import rules
from core.audit import AuditedManager
from core.signatures import signable

from .append_only import AppendOnlyModel
from .collection import Collection

# --- Product receipt -----------------------------------------------------------------------


def certificate_path(receipt, filename: str) -> str:
    # The COI ID, never the patient's name, in a path that may be seen in backups and logs.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    lot = get_valid_filename(receipt.lot_number) or "lot"
    return f"apheresis/certificates/{receipt.coi_id}-{lot}.{get_valid_filename(extension)}"


class ProductReceipt(models.Model):
    """The finished product as received at the site."""

    collection = models.OneToOneField(
        Collection,
        on_delete=models.PROTECT,
        related_name="receipt",
        verbose_name=_("collection"),
    )
    coi_id = models.CharField(_("COI ID"), max_length=30, editable=False)
    lot_number = models.CharField(_("lot number"), max_length=60)
    received_at = models.DateTimeField(_("received at"))
    bag_count = models.PositiveSmallIntegerField(
        _("bags"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    total_cells_10e6 = models.DecimalField(
        _("dose: CAR-positive viable T cells (×10⁶)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100000"))],
    )
    dose_per_kg_10e6 = models.DecimalField(
        _("dose per kg (×10⁶/kg)"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        editable=False,
        help_text=_("For products dosed by weight, from the patient's weight at receipt."),
    )
    weight_kg_for_dose = models.DecimalField(
        _("weight used for the dose (kg)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        editable=False,
    )
    viability_percent = models.DecimalField(
        _("viability (%)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    release_certificate = models.FileField(
        _("release certificate"), upload_to=certificate_path, max_length=200
    )
    storage_location = models.CharField(
        _("storage location"),
        max_length=120,
        help_text=_("Dewar, rack and box, e.g. LN2-2 / rack C / box 4."),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("product receipt")
        verbose_name_plural = _("product receipts")
        constraints = [
            models.CheckConstraint(
                condition=Q(viability_percent__gte=0) & Q(viability_percent__lte=100),
                name="receipt_viability_percent",
                violation_error_message=_("Viability is a percentage from 0 to 100."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.coi_id} – {self.lot_number}"


# --- Bag verification ----------------------------------------------------------------------


class VerificationPurpose(models.TextChoices):
    RECEIPT = "receipt", _("Receipt at site")
    STORAGE = "storage", _("Storage or retrieval")
    THAW = "thaw", _("Before thawing")
    BEDSIDE = "bedside", _("At the bedside before infusion")


class ScanResult(models.TextChoices):
    MATCH = rules.SCAN_MATCH, _("Match")
    EMPTY = rules.SCAN_EMPTY, _("Nothing scanned")
    MALFORMED = rules.SCAN_MALFORMED, _("Not a COI ID")
    CHECK_DIGIT = rules.SCAN_CHECK_DIGIT, _("Check digit wrong")
    OTHER_PATIENT = rules.SCAN_OTHER_PATIENT, _("Another patient's COI ID")
    NO_COI = "no_coi", _("The course has no COI ID")


@signable("course", "expected_coi_id", "scanned_text", "result", "purpose", "verified_at")
class BagVerification(AppendOnlyModel):
    """Every attempt to match a bag to its patient, successful or not, with who and when."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="bag_verifications",
        verbose_name=_("course"),
    )
    expected_coi_id = models.CharField(_("patient's COI ID"), max_length=30, blank=True)
    scanned_text = models.CharField(_("scanned or typed"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=ScanResult.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=VerificationPurpose.choices)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-verified_at", "-id"]
        verbose_name = _("bag verification")
        verbose_name_plural = _("bag verifications")
        indexes = [models.Index(fields=["course", "result", "verified_at"])]

    def __str__(self) -> str:
        return f"{self.expected_coi_id}: {self.get_result_display()} ({self.verified_by})"

    @property
    def matched(self) -> bool:
        return self.result == ScanResult.MATCH
