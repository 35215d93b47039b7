"""The pre-infusion gate (limits, stock counts, checks, overrides, reviews) and the infusion
record."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager
from core.signatures import signable

from .. import rules
from .common import _course, _user

# --- Pre-infusion gate ---------------------------------------------------------------------


class VitalSignLimit(models.Model):
    """The centre's limits for one vital sign at the pre-infusion check (defaults in
    infusion/rules.py; a row here replaces the default)."""

    code = models.CharField(
        _("vital sign"),
        max_length=40,
        unique=True,
        choices=[(limit.code, limit.label) for limit in rules.DEFAULT_VITAL_LIMITS],
    )
    min_value = models.DecimalField(
        _("lowest allowed"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest allowed"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Unticked: an institutional default that must be reviewed."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("pre-infusion vital sign limit")
        verbose_name_plural = _("pre-infusion vital sign limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="vital_limit_ordered",
                violation_error_message=_("The lowest value must not be above the highest."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.min_value}–{self.max_value}"


class TocilizumabStockCheck(models.Model):
    """A pharmacist's confirmation of the tocilizumab doses on the ward for this patient."""

    course = _course("tocilizumab_stock_checks")
    doses_available = models.PositiveSmallIntegerField(
        _("doses available on the ward"), validators=[MaxValueValidator(20)]
    )
    confirmed_by = _user(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"))
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        verbose_name = _("tocilizumab stock check")
        verbose_name_plural = _("tocilizumab stock checks")

    def __str__(self) -> str:
        return f"{self.doses_available} × tocilizumab ({self.confirmed_at:%Y-%m-%d %H:%M})"


class PreInfusionCheck(models.Model):
    """The nurse's bedside check on the day of infusion: infection, organ function, vital
    signs and premedication."""

    course = _course("pre_infusion_checks")
    checked_at = models.DateTimeField(_("checked at"))
    active_uncontrolled_infection = models.BooleanField(_("active uncontrolled infection"))
    new_organ_dysfunction = models.BooleanField(_("new organ dysfunction"))
    temperature_c = models.DecimalField(
        _("temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("30")), MaxValueValidator(Decimal("43"))],
    )
    heart_rate_bpm = models.PositiveSmallIntegerField(
        _("heart rate (/min)"), validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    systolic_bp_mmhg = models.PositiveSmallIntegerField(
        _("systolic BP (mmHg)"), validators=[MinValueValidator(40), MaxValueValidator(260)]
    )
    diastolic_bp_mmhg = models.PositiveSmallIntegerField(
        _("diastolic BP (mmHg)"), validators=[MinValueValidator(20), MaxValueValidator(160)]
    )
    spo2_percent = models.PositiveSmallIntegerField(
        _("SpO₂ on room air (%)"), validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    respiratory_rate_per_min = models.PositiveSmallIntegerField(
        _("respiratory rate (/min)"), validators=[MinValueValidator(4), MaxValueValidator(60)]
    )
    paracetamol_given = models.BooleanField(_("paracetamol given"), default=False)
    antihistamine_given = models.BooleanField(_("antihistamine given"), default=False)
    prophylactic_steroid_given = models.BooleanField(
        _("prophylactic steroid given"),
        default=False,
        help_text=_("Steroids are not given as premedication: they blunt the CAR-T cells."),
    )
    notes = models.TextField(_("notes"), blank=True)
    checked_by = _user(_("checked by"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("pre-infusion check")
        verbose_name_plural = _("pre-infusion checks")

    def __str__(self) -> str:
        return f"{self.course} {self.checked_at:%Y-%m-%d %H:%M}"

    @property
    def vitals(self) -> dict:
        return {code: getattr(self, code) for code in rules.VITAL_CODES}


GATE_ITEM_CHOICES = [
    (rules.PRODUCT_RECEIVED, _("Product received and released")),
    (rules.PRODUCT_IN_SPEC, _("Product within specification")),
    (rules.LYMPHODEPLETION_COMPLETE, _("Lymphodepletion verified and given")),
    (rules.COI_BEDSIDE, _("Bag COI ID verified at the bedside by two people")),
    (rules.TOCILIZUMAB_AVAILABLE, _("Tocilizumab available on the ward")),
    (rules.NO_ACTIVE_INFECTION, _("No active uncontrolled infection")),
    (rules.NO_NEW_ORGAN_DYSFUNCTION, _("No new organ dysfunction")),
    (rules.VITAL_SIGNS, _("Vital signs within limits")),
    (rules.PREMEDICATION, _("Premedication: paracetamol and antihistamine, no steroid")),
]


class GateOverride(models.Model):
    """A clinician's decision to infuse despite one failed gate item. It covers only the
    observation it was given for, and stays on the course forever."""

    course = _course("gate_overrides")
    item = models.CharField(_("item"), max_length=40, choices=GATE_ITEM_CHOICES)
    observed = models.CharField(_("observed"), max_length=300)
    reason = models.TextField(_("reason"))
    overridden_by = _user(_("overridden by"))
    overridden_at = models.DateTimeField(_("overridden at"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["overridden_at", "id"]
        verbose_name = _("gate override")
        verbose_name_plural = _("gate overrides")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="gate_override_has_reason"),
            models.CheckConstraint(
                condition=~Q(item__in=sorted(rules.NOT_OVERRIDABLE)),
                name="gate_override_item_overridable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()} ({self.observed}) — {self.overridden_by}"


@signable("course", "review_date", "passed", "items")
class GateReview(models.Model):
    """A clinician's review of the gate on the day of infusion, with every item as it stood.
    Only a passed review that nothing has superseded lets the course reach infusion."""

    course = _course("gate_reviews")
    review_date = models.DateField(_("infusion day reviewed"))
    passed = models.BooleanField(_("passed"))
    items = models.JSONField(_("items at review"), default=list)
    reviewed_by = _user(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"))
    superseded_at = models.DateTimeField(
        _("superseded at"),
        null=True,
        blank=True,
        help_text=_("Set when a new check, count or override came in after the review."),
    )
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        verbose_name = _("gate review")
        verbose_name_plural = _("gate reviews")
        indexes = [models.Index(fields=["course", "review_date"])]

    def __str__(self) -> str:
        return f"{self.course} {self.review_date} {'passed' if self.passed else 'failed'}"


# --- Infusion ------------------------------------------------------------------------------


class InfusionRecord(models.Model):
    """The CAR-T infusion itself: it fixes Day 0."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="infusion_record",
        verbose_name=_("course"),
    )
    gate_review = models.ForeignKey(
        GateReview, on_delete=models.PROTECT, related_name="+", verbose_name=_("gate review")
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    bags_infused = models.PositiveSmallIntegerField(
        _("bags infused"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    bags_reason = models.TextField(_("why not every bag"), blank=True)
    dose_cells_10e6 = models.DecimalField(
        _("dose: CAR-positive viable T cells (×10⁶)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100000"))],
    )
    reactions = models.TextField(_("infusion reactions"), blank=True, help_text=_("Empty: none."))
    temperature_c = models.DecimalField(
        _("temperature after (°C)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("30")), MaxValueValidator(Decimal("43"))],
    )
    heart_rate_bpm = models.PositiveSmallIntegerField(
        _("heart rate after (/min)"), validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    systolic_bp_mmhg = models.PositiveSmallIntegerField(
        _("systolic BP after (mmHg)"), validators=[MinValueValidator(40), MaxValueValidator(260)]
    )
    diastolic_bp_mmhg = models.PositiveSmallIntegerField(
        _("diastolic BP after (mmHg)"), validators=[MinValueValidator(20), MaxValueValidator(160)]
    )
    spo2_percent = models.PositiveSmallIntegerField(
        _("SpO₂ after (%)"), validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    recorded_by = _user(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("infusion")
        verbose_name_plural = _("infusions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")),
                name="infusion_ends_after_start",
                violation_error_message=_("The infusion cannot end before it started."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.started_at:%Y-%m-%d %H:%M}"
