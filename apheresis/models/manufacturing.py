"""Manufacturing records and out-of-specification results."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager

from .append_only import AppendOnlyModel
from .collection import Collection

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
