"""The chain of custody: one append-only event per step of the cells."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apheresis import rules

from .append_only import AppendOnlyModel
from .collection import Collection

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
