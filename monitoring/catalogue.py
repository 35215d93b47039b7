"""Monitoring's catalogue rows, edited by administrators with their source (admin, history):
the vital-sign thresholds that derive hypotension and hypoxia (vitals.py) and the management
advice shown beside each grade (advice.py). Both are seeded by data migrations."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import advice, vitals


class VitalThresholdKey(models.TextChoices):
    SYSTOLIC_BELOW = "systolic_below_mmhg", _("Hypotension: systolic below (adults, mmHg)")
    MAP_BELOW = "map_below_mmhg", _("Hypotension: mean arterial pressure below (adults, mmHg)")
    SPO2_BELOW = "spo2_room_air_below_percent", _("Hypoxia: SpO₂ on room air below (%)")


assert set(VitalThresholdKey.values) == set(vitals.VitalThresholds.__dataclass_fields__)

VITAL_THRESHOLD_UNITS = {
    VitalThresholdKey.SYSTOLIC_BELOW: "mmHg",
    VitalThresholdKey.MAP_BELOW: "mmHg",
    VitalThresholdKey.SPO2_BELOW: "%",
}


class VitalSignThreshold(models.Model):
    """The programme's value for one threshold of monitoring/vitals.py."""

    key = models.CharField(
        _("threshold"), max_length=40, unique=True, choices=VitalThresholdKey.choices
    )
    value = models.DecimalField(
        _("value"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("1"))]
    )
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Unticked: an institutional default that must be reviewed."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = _("vital-sign threshold")
        verbose_name_plural = _("vital-sign thresholds")

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.value} {VITAL_THRESHOLD_UNITS[self.key]}"


class ManagementAdvice(models.Model):
    """The wording and source of one suggestion of advice.py; the rule decides when it shows."""

    key = models.CharField(
        _("suggestion"),
        max_length=40,
        unique=True,
        choices=[(key, key) for key in advice.ADVICE_KEYS],
    )
    text_en = models.TextField(_("advice (English)"))
    text_zh_hans = models.TextField(_("advice (Simplified Chinese)"), blank=True)
    source = models.CharField(_("source"), max_length=300)
    products = models.JSONField(
        _("products (short names)"),
        default=list,
        blank=True,
        help_text=_(
            "Only for advice that depends on the product (levetiracetam prophylaxis): "
            "the products whose label or institutional protocol asks for it. Empty: none."
        ),
    )
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Unticked: an institutional default that must be reviewed."),
    )
    active = models.BooleanField(_("shown"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = _("management advice")
        verbose_name_plural = _("management advice")

    def __str__(self) -> str:
        return self.key

    def text(self) -> str:
        """The wording in the reader's language (Chinese when written, else English)."""
        language = (translation.get_language() or "").lower()
        if language.startswith("zh") and self.text_zh_hans:
            return self.text_zh_hans
        return self.text_en
