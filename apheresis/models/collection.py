"""Chain of identity, collection schedules with their pre-collection checks, collections."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apheresis import rules
from core.audit import AuditedManager

from .append_only import AppendOnlyModel

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
