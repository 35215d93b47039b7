"""Bridging, lymphodepletion (plan, administrations), Day 0 changes, the
pre-infusion gate and the infusion record."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager
from core.signatures import signable

from . import rules
from .dosing import (
    CYCLOPHOSPHAMIDE,
    FLUDARABINE,
    REGIMENS,
    RENAL_TABLE_SOURCES,
    US_FLUDARABINE_LABEL,
)

REGIMEN_CHOICES = [(key, regimen.name) for key, regimen in REGIMENS.items()]


def _user(verbose_name, related_name="+", **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=verbose_name,
        **kwargs,
    )


def _course(related_name):
    return models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=_("course"),
    )


# --- Bridging ------------------------------------------------------------------------------


class BridgingResponse(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed yet")
    CR = "CR", _("Complete response")
    PR = "PR", _("Partial response")
    SD = "SD", _("Stable disease")
    PD = "PD", _("Progressive disease")


class BridgingTherapy(models.Model):
    """Therapy given between collection and lymphodepletion to hold the disease."""

    course = _course("bridging_therapies")
    regimen = models.CharField(_("regimen"), max_length=200, help_text=_("e.g. R-GemOx, RT 20 Gy"))
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    response = models.CharField(
        _("response"),
        max_length=20,
        choices=BridgingResponse.choices,
        default=BridgingResponse.NOT_ASSESSED,
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = _user(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["started_on", "id"]
        verbose_name = _("bridging therapy")
        verbose_name_plural = _("bridging therapies")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="bridging_ends_after_start",
                violation_error_message=_("Bridging cannot end before it started."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.regimen} ({self.started_on})"


# --- Lymphodepletion plan ------------------------------------------------------------------


@signable(
    "course",
    "regimen_key",
    "weight_kg",
    "height_cm",
    "crcl_ml_min",
    "renal_table",
    "bsa_m2",
    "version",
)
class LymphodepletionPlan(models.Model):
    """The lymphodepleting chemotherapy of one course, computed from the catalogue regimen
    and the patient's measurements when it was (re)calculated. The pharmacist verifies one
    version with a core.Signature; every change of the doses raises the version, so a change
    voids her signature, visibly."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="lymphodepletion_plan",
        verbose_name=_("course"),
    )
    regimen_key = models.CharField(_("regimen"), max_length=30, choices=REGIMEN_CHOICES)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=1)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=4, decimal_places=1)
    crcl_ml_min = models.DecimalField(
        _("creatinine clearance (mL/min)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("300"))],
    )
    crcl_method = models.CharField(
        _("how the clearance was obtained"),
        max_length=400,
        blank=True,
        help_text=_("Cockcroft–Gault with its inputs, or a clearance entered by the clinician."),
    )
    creatinine_umol_l = models.DecimalField(
        _("serum creatinine (µmol/L)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    creatinine_drawn_on = models.DateField(_("creatinine drawn on"), null=True, blank=True)
    renal_table = models.CharField(
        _("fludarabine renal bands"),
        max_length=30,
        choices=[(key, source) for key, source in RENAL_TABLE_SOURCES.items()],
        default=US_FLUDARABINE_LABEL,
    )
    bsa_m2 = models.DecimalField(_("BSA dosed on (m²)"), max_digits=4, decimal_places=2)
    uncapped_bsa_m2 = models.DecimalField(_("BSA (Mosteller, m²)"), max_digits=4, decimal_places=2)
    bsa_cap_m2 = models.DecimalField(
        _("BSA cap applied (m²)"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    created_by = _user(_("prescribed by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    signatures = GenericRelation("core.Signature")
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lymphodepletion plan")
        verbose_name_plural = _("lymphodepletion plans")

    def __str__(self) -> str:
        return f"{self.course} – {self.regimen_key}"

    @property
    def regimen(self):
        """The regimen as the catalogue has it now (the code table with the administrator's
        rows laid over it), for the plan pages' name, source and verified badge."""
        from catalogue import selectors as catalogue_selectors

        return catalogue_selectors.regimen(self.regimen_key)

    @property
    def active_signature(self):
        return next((s for s in self.signatures.all() if s.voided_at is None), None)


class Drug(models.TextChoices):
    FLUDARABINE = FLUDARABINE, _("Fludarabine")
    CYCLOPHOSPHAMIDE = CYCLOPHOSPHAMIDE, _("Cyclophosphamide")


class PlannedDose(models.Model):
    """One drug on one day of the plan. The day number is the regimen's; the date follows the
    planned Day 0 until the dose is given."""

    plan = models.ForeignKey(
        LymphodepletionPlan, on_delete=models.PROTECT, related_name="doses", verbose_name=_("plan")
    )
    drug = models.CharField(_("drug"), max_length=30, choices=Drug.choices)
    day_number = models.SmallIntegerField(_("day"))
    planned_on = models.DateField(_("date"))
    dose_mg_per_m2 = models.DecimalField(_("dose (mg/m²)"), max_digits=6, decimal_places=1)
    dose_mg = models.DecimalField(
        _("dose (mg)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty until a clinician decides (fludarabine with CrCl < 30 mL/min)."),
    )
    calculation = models.TextField(_("calculation"))
    flags = models.JSONField(_("flags"), default=list, blank=True)
    requires_clinician_decision = models.BooleanField(_("needs a clinician's decision"))
    omitted = models.BooleanField(_("not to be given"), default=False)
    decision = models.TextField(_("clinician's decision"), blank=True)
    decided_by = _user(_("decided by"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["day_number", "id"]
        verbose_name = _("planned dose")
        verbose_name_plural = _("planned doses")
        constraints = [
            models.UniqueConstraint(fields=["plan", "drug", "day_number"], name="one_dose_a_day"),
            models.CheckConstraint(condition=Q(day_number__lt=0), name="planned_before_day0"),
            models.CheckConstraint(
                condition=~Q(omitted=True) | Q(dose_mg__isnull=True), name="omitted_has_no_dose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_drug_display()} {self.day_number}: {self.dose_mg} mg"

    @property
    def decided(self) -> bool:
        return self.dose_mg is not None or self.omitted


class Administration(models.Model):
    """A nurse's record of one planned dose going in."""

    planned_dose = models.OneToOneField(
        PlannedDose,
        on_delete=models.PROTECT,
        related_name="administration",
        verbose_name=_("planned dose"),
    )
    given_at = models.DateTimeField(_("given at"))
    dose_given_mg = models.DecimalField(
        _("dose given (mg)"),
        max_digits=7,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("10000"))],
    )
    batch_number = models.CharField(_("batch"), max_length=60)
    deviation = models.BooleanField(_("deviation from plan"), default=False, editable=False)
    deviation_detail = models.CharField(_("deviation"), max_length=300, blank=True, editable=False)
    deviation_reason = models.TextField(_("reason for the deviation"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    given_by = _user(_("given by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["given_at"]
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(deviation=False) | ~Q(deviation_reason=""),
                name="deviation_has_reason",
                violation_error_message=_("A deviation from the plan needs a reason."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.planned_dose} given {self.given_at:%Y-%m-%d %H:%M}"


# --- Day 0 ---------------------------------------------------------------------------------


class Day0Change(models.Model):
    """Every change of the planned Day 0, with who and why (shown on the plan)."""

    course = _course("day0_changes")
    old_date = models.DateField(_("old Day 0"), null=True, blank=True)
    new_date = models.DateField(_("new Day 0"))
    reason = models.TextField(_("reason"), blank=True)
    doses_moved = models.PositiveSmallIntegerField(_("doses moved"), default=0)
    changed_by = _user(_("changed by"))
    changed_at = models.DateTimeField(_("changed at"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("Day 0 change")
        verbose_name_plural = _("Day 0 changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(old_date__isnull=True) | ~Q(reason=""),
                name="day0_change_has_reason",
                violation_error_message=_("Moving a planned Day 0 needs a reason."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_date or '—'} → {self.new_date}"


@signable("course", "old_day0_date", "new_day0_date", "reason")
class Day0Correction(models.Model):
    """A recorded Day 0 corrected after the infusion (the date was entered wrong), signed by
    the clinician with her password. The infusion record and the course's Day 0 move; the
    follow-up visits not yet done move with them."""

    course = _course("day0_corrections")
    old_day0_date = models.DateField(_("Day 0 as recorded"))
    new_day0_date = models.DateField(_("corrected Day 0"))
    reason = models.TextField(_("reason"))
    corrected_by = _user(_("corrected by"))
    corrected_at = models.DateTimeField(_("corrected at"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-corrected_at", "-id"]
        verbose_name = _("Day 0 correction")
        verbose_name_plural = _("Day 0 corrections")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="day0_correction_has_reason",
                violation_error_message=_("A Day 0 correction needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(old_day0_date=models.F("new_day0_date")),
                name="day0_correction_changes_the_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_day0_date} → {self.new_day0_date}"


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
