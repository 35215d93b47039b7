"""Cell collection and manufacturing: chain of identity, collection schedules and their
pre-collection checks, collections, the chain of custody, manufacturing, product receipt and
bag verification."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager
from core.signatures import signable

from . import rules

# --- Append-only records -------------------------------------------------------------------


class AppendOnlyError(ValidationError):
    """An append-only record was about to be changed or deleted."""


def _refuse(model) -> AppendOnlyError:
    return AppendOnlyError(
        _(
            "%(record)s records are append-only: they cannot be changed or deleted; record a "
            "correction instead."
        )
        % {"record": model._meta.verbose_name_plural.capitalize()},
        code="append_only",
    )


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk change or delete of an append-only record, ever."""

    append_only = True  # core.audit's guard refuses every bulk path on plain querysets too

    def update(self, **kwargs):
        raise _refuse(self.model)

    def delete(self):
        raise _refuse(self.model)

    def bulk_update(self, objs, fields, batch_size=None):
        raise _refuse(self.model)

    def update_or_create(self, *args, **kwargs):
        raise _refuse(self.model)

    _raw_delete = delete


class AppendOnlyModel(models.Model):
    """A record that is written once. Rows are also protected by database triggers
    (migration 0002) against changes made below the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise _refuse(type(self))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self))


# --- Chain of identity ---------------------------------------------------------------------


class ChainOfIdentity(AppendOnlyModel):
    """The one identifier of a course's cells, on every record, label and report of them."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="chain_of_identity",
        verbose_name=_("course"),
    )
    coi_id = models.CharField(_("COI ID"), max_length=30, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("chain of identity")
        verbose_name_plural = _("chains of identity")

    def __str__(self) -> str:
        return self.coi_id

    def clean(self):
        if not rules.coi_is_valid(self.coi_id):
            raise ValidationError({"coi_id": _("Not a valid COI ID (format or check digit).")})


# --- Scheduling and pre-collection checks --------------------------------------------------


class VenousAccess(models.TextChoices):
    PERIPHERAL_ADEQUATE = rules.ACCESS_PERIPHERAL_ADEQUATE, _("Peripheral veins adequate")
    CENTRAL_LINE_IN_PLACE = rules.ACCESS_CENTRAL_LINE_IN_PLACE, _("Apheresis central line in place")
    CENTRAL_LINE_NEEDED = (
        rules.ACCESS_CENTRAL_LINE_NEEDED,
        _("Central line needed, not yet placed"),
    )
    NOT_ASSESSED = rules.ACCESS_NOT_ASSESSED, _("Not assessed")


class ScheduleStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COLLECTED = "collected", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")


class CollectionSchedule(models.Model):
    """An apheresis booked against the manufacturer's collection slot, with the values the
    pre-collection checks read (rules.pre_collection_checks)."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="collection_schedules",
        verbose_name=_("course"),
    )
    manufacturer_slot_ref = models.CharField(
        _("manufacturer's slot reference"),
        max_length=60,
        help_text=_("The slot or order number the manufacturer gave for this collection."),
    )
    collection_date = models.DateField(_("collection date"))
    collection_site = models.CharField(_("collection site"), max_length=120)
    venous_access = models.CharField(
        _("venous access"),
        max_length=30,
        choices=VenousAccess.choices,
        default=VenousAccess.NOT_ASSESSED,
    )
    alc_10e9_l = models.DecimalField(
        _("ALC (×10⁹/L)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("500"))],
    )
    cd3_cells_per_ul = models.PositiveIntegerField(
        _("CD3+ count (cells/µL)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100000)],
    )
    counts_drawn_on = models.DateField(_("counts drawn on"), null=True, blank=True)
    # Per count: typed or from the lab system, observed when, which message (core/lab_sources).
    lab_sources = models.JSONField(_("lab value sources"), default=dict, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ScheduleStatus.choices,
        default=ScheduleStatus.PLANNED,
        editable=False,
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["collection_date", "id"]
        verbose_name = _("collection schedule")
        verbose_name_plural = _("collection schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(status="planned"),
                name="one_planned_collection_per_course",
                violation_error_message=_("This course already has a collection planned."),
            ),
            models.CheckConstraint(
                condition=Q(alc_10e9_l__isnull=True) | Q(alc_10e9_l__gte=0),
                name="schedule_alc_not_negative",
                violation_error_message=_("The ALC cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="schedule_cancel_has_reason",
                violation_error_message=_("Say why the collection is cancelled."),
            ),
        ]
        indexes = [models.Index(fields=["status", "collection_date"])]

    def __str__(self) -> str:
        return f"{self.course.patient} – {self.collection_date} ({self.manufacturer_slot_ref})"


class CheckOverride(AppendOnlyModel):
    """A clinician's decision to collect despite a failed pre-collection check. Kept forever
    and shown beside the check; it covers only the observation it was given for."""

    schedule = models.ForeignKey(
        CollectionSchedule,
        on_delete=models.PROTECT,
        related_name="overrides",
        verbose_name=_("collection schedule"),
    )
    check_code = models.CharField(_("check"), max_length=40)
    observed = models.CharField(_("observed value"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("overridden by"),
    )
    overridden_at = models.DateTimeField(_("overridden at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["overridden_at", "id"]
        verbose_name = _("pre-collection check override")
        verbose_name_plural = _("pre-collection check overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "check_code", "observed"], name="one_override_per_observation"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="override_has_reason",
                violation_error_message=_("An override needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} ({self.observed}) — {self.overridden_by}"


# --- Collection ----------------------------------------------------------------------------


class Collection(models.Model):
    """One apheresis collection: what was processed and collected, and who did it."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("course"),
    )
    schedule = models.OneToOneField(
        CollectionSchedule,
        on_delete=models.PROTECT,
        related_name="collection",
        verbose_name=_("collection schedule"),
    )
    coi_id = models.CharField(_("COI ID"), max_length=30, editable=False)
    collected_at = models.DateTimeField(
        _("collection ended at"), help_text=_("When the bag was sealed.")
    )
    blood_volumes_processed = models.DecimalField(
        _("blood volumes processed"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("6.0"))],
    )
    product_volume_ml = models.DecimalField(
        _("product volume (mL)"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("2000"))],
    )
    total_nucleated_cells_10e9 = models.DecimalField(
        _("total nucleated cells (×10⁹)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    cd3_cells_10e9 = models.DecimalField(
        _("CD3+ cells (×10⁹)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    adverse_events = models.TextField(
        _("adverse events during collection"),
        blank=True,
        help_text=_("e.g. citrate toxicity, hypotension, line problems. Empty: none."),
    )
    staff = models.CharField(
        _("staff"), max_length=200, help_text=_("Who performed the collection.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-collected_at", "-id"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        constraints = [
            models.CheckConstraint(
                condition=Q(cd3_cells_10e9__lte=models.F("total_nucleated_cells_10e9")),
                name="collection_cd3_within_tnc",
                violation_error_message=_(
                    "CD3+ cells cannot be more than the total nucleated cells."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.coi_id} – {self.collected_at:%Y-%m-%d}"


# --- Chain of custody ----------------------------------------------------------------------


class CustodyKind(models.TextChoices):
    COLLECTED = rules.COLLECTED, _("Collected")
    PACKED = rules.PACKED, _("Packed")
    HANDED_TO_COURIER = rules.HANDED_TO_COURIER, _("Handed to courier")
    RECEIVED_BY_MANUFACTURER = rules.RECEIVED_BY_MANUFACTURER, _("Received by manufacturer")
    MANUFACTURING_STARTED = rules.MANUFACTURING_STARTED, _("Manufacturing started")
    RELEASED = rules.RELEASED, _("Released by manufacturer")
    SHIPPED = rules.SHIPPED, _("Shipped to site")
    RECEIVED_AT_SITE = rules.RECEIVED_AT_SITE, _("Received at site")
    STORED = rules.STORED, _("Stored in vapour-phase liquid nitrogen")
    THAWED = rules.THAWED, _("Thawed")


assert tuple(CustodyKind.values) == rules.CUSTODY_SEQUENCE


class CustodyEvent(AppendOnlyModel):
    """One step of the cells' journey. The log is append-only: a wrong entry is corrected by
    a new event that names it (`corrects`), never edited or deleted."""

    collection = models.ForeignKey(
        Collection,
        on_delete=models.PROTECT,
        related_name="custody_events",
        verbose_name=_("collection"),
    )
    coi_id = models.CharField(_("COI ID"), max_length=30)
    kind = models.CharField(_("event"), max_length=30, choices=CustodyKind.choices)
    occurred_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    handled_by = models.CharField(
        _("person"), max_length=200, help_text=_("Who had the cells (e.g. the courier's name).")
    )
    temperature_c = models.DecimalField(
        _("temperature (°C)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-200")), MaxValueValidator(Decimal("45"))],
    )
    notes = models.TextField(_("notes"), blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects event"),
    )
    void = models.BooleanField(
        _("entered in error"),
        default=False,
        help_text=_("A correction saying the corrected event did not happen."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        constraints = [
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(notes=""),
                name="custody_correction_has_reason",
                violation_error_message=_("A correction must say why."),
            ),
            models.CheckConstraint(
                condition=Q(void=False) | Q(corrects__isnull=False),
                name="custody_void_only_as_correction",
                violation_error_message=_("Only a correction can mark a step as entered in error."),
            ),
            models.CheckConstraint(
                condition=Q(temperature_c__isnull=True)
                | (Q(temperature_c__gte=-200) & Q(temperature_c__lte=45)),
                name="custody_temperature_plausible",
                violation_error_message=_("The temperature must be between −200 and 45 °C."),
            ),
        ]
        indexes = [models.Index(fields=["collection", "recorded_at"])]

    def __str__(self) -> str:
        prefix = _("Correction: ") if self.corrects_id else ""
        return f"{prefix}{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


# --- Manufacturing -------------------------------------------------------------------------


class ManufacturingStatus(models.TextChoices):
    AWAITING_CELLS = "awaiting_cells", _("Awaiting cells")
    IN_MANUFACTURING = "in_manufacturing", _("In manufacturing")
    RELEASED = "released", _("Released")
    RELEASED_OUT_OF_SPEC = "released_oos", _("Released out of specification")
    FAILED = "failed", _("Manufacturing failed")


class ManufacturingRecord(models.Model):
    """The manufacturer's side: order, lot, status and dates."""

    collection = models.OneToOneField(
        Collection,
        on_delete=models.PROTECT,
        related_name="manufacturing",
        verbose_name=_("collection"),
    )
    coi_id = models.CharField(_("COI ID"), max_length=30, editable=False)
    manufacturer_order_ref = models.CharField(_("manufacturer's order"), max_length=60, blank=True)
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ManufacturingStatus.choices,
        default=ManufacturingStatus.AWAITING_CELLS,
    )
    manufacturing_started_on = models.DateField(_("manufacturing started"), null=True, blank=True)
    expected_release_on = models.DateField(_("expected release"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    failure_reason = models.TextField(_("reason for failure"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manufacturing record")
        verbose_name_plural = _("manufacturing records")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["released", "released_oos"])
                | Q(released_on__isnull=False),
                name="manufacturing_release_dated",
                violation_error_message=_("A released product needs its release date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="manufacturing_failure_explained",
                violation_error_message=_("Say why manufacturing failed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coi_id} – {self.get_status_display()}"


class OutOfSpecResult(AppendOnlyModel):
    """A release test that did not meet its specification (shown wherever the product is)."""

    manufacturing = models.ForeignKey(
        ManufacturingRecord,
        on_delete=models.PROTECT,
        related_name="oos_results",
        verbose_name=_("manufacturing record"),
    )
    parameter = models.CharField(_("parameter"), max_length=120)
    result = models.CharField(_("result"), max_length=120)
    specification = models.CharField(_("specification"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("out-of-specification result")
        verbose_name_plural = _("out-of-specification results")

    def __str__(self) -> str:
        return f"{self.parameter}: {self.result} (spec {self.specification})"


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
