"""Bridging, lymphodepletion (plan, administrations) and Day 0 changes; the pre-infusion gate
and the infusion record are models/gate.py, re-exported here."""

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.texts import seeded_text
from core import system_text
from core.audit import AuditedManager
from core.signatures import signable

from ..dosing import (
    CYCLOPHOSPHAMIDE,
    FLUDARABINE,
    REGIMENS,
    RENAL_TABLE_SOURCES,
    US_FLUDARABINE_LABEL,
)
from .common import _course, _user
from .gate import (
    GATE_ITEM_CHOICES,
    GateOverride,
    GateReview,
    InfusionRecord,
    PreInfusionCheck,
    TocilizumabStockCheck,
    VitalSignLimit,
)

REGIMEN_CHOICES = [(key, regimen.name) for key, regimen in REGIMENS.items()]


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
    # crcl_method and warnings as codes with parameters, said in the reader's language (issue
    # 17); the prose columns keep their English for the exports and older rows.
    crcl_method_text = models.JSONField(default=list, blank=True, editable=False)
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
    # A code with parameters, or the text of an administrator's regimen note as typed.
    warning_texts = models.JSONField(default=list, blank=True, editable=False)
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

    def get_renal_table_display(self) -> str:
        """The label whose bands apply, in the reader's language (msgids: infusion/texts.py)."""
        return gettext(RENAL_TABLE_SOURCES.get(self.renal_table, self.renal_table))

    def get_crcl_method_display(self) -> str:
        """How the clearance was obtained, in the reader's language (a row written before
        issue 17 has only its prose)."""
        if not self.crcl_method_text:
            return self.crcl_method
        return system_text.say(self.crcl_method_text, separator=" ")

    def get_warnings_display(self) -> list[str]:
        if not self.warning_texts:
            return list(self.warnings)
        return [
            system_text.say(w) if isinstance(w, dict) else seeded_text(w)
            for w in self.warning_texts
        ]


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
    # The steps as codes with parameters, said in the reader's language (issue 17).
    calculation_text = models.JSONField(default=list, blank=True, editable=False)
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

    def get_calculation_display(self) -> str:
        return system_text.say(self.calculation_text) or self.calculation


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
    # deviation_detail as codes with parameters, said in the reader's language (issue 17).
    deviation_text = models.JSONField(default=list, blank=True, editable=False)
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

    def get_deviation_detail_display(self) -> str:
        return system_text.say(self.deviation_text) or self.deviation_detail


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


__all__ = [
    "GATE_ITEM_CHOICES",
    "REGIMEN_CHOICES",
    "Administration",
    "BridgingResponse",
    "BridgingTherapy",
    "Day0Change",
    "Day0Correction",
    "Drug",
    "GateOverride",
    "GateReview",
    "InfusionRecord",
    "LymphodepletionPlan",
    "PlannedDose",
    "PreInfusionCheck",
    "TocilizumabStockCheck",
    "VitalSignLimit",
]
