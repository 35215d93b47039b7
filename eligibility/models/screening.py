"""Screening assessments: the values, prior lines of therapy and recent therapies."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.models import Diagnosis, validate_drug_classes
from core.audit import AuditedManager
from eligibility import rules
from patients.models import TreatmentCourse

# --- Screening ------------------------------------------------------------------------------


class TransplantOutcome(models.TextChoices):
    RESPONSE = rules.TRANSPLANT_RESPONSE, _("Ongoing response")
    RELAPSED = rules.TRANSPLANT_RELAPSED, _("Relapsed")
    REFRACTORY = rules.TRANSPLANT_REFRACTORY, _("Refractory")


class Serology(models.TextChoices):
    NEGATIVE = rules.SEROLOGY_NEGATIVE, _("Negative")
    POSITIVE = rules.SEROLOGY_POSITIVE, _("Positive")


class Pregnancy(models.TextChoices):
    NOT_PREGNANT = rules.PREGNANCY_NOT_PREGNANT, _("Test negative")
    PREGNANT = rules.PREGNANCY_PREGNANT, _("Pregnant")
    NOT_APPLICABLE = rules.PREGNANCY_NOT_APPLICABLE, _("Not applicable")


class Response(models.TextChoices):
    CR = rules.RESPONSE_CR, _("Complete response")
    PR = rules.RESPONSE_PR, _("Partial response")
    SD = rules.RESPONSE_SD, _("Stable disease")
    PD = rules.RESPONSE_PD, _("Progressive disease")
    NE = rules.RESPONSE_UNKNOWN, _("Not evaluable / unknown")


class WashoutClass(models.TextChoices):
    SYSTEMIC_STEROID = (
        rules.WASHOUT_SYSTEMIC_STEROID,
        _("Systemic steroid > 10 mg prednisone-equivalent a day"),
    )
    CHEMOTHERAPY = rules.WASHOUT_CHEMOTHERAPY, _("Chemotherapy")
    ANTI_CD38 = rules.WASHOUT_ANTI_CD38, _("Anti-CD38 antibody")
    ALEMTUZUMAB = rules.WASHOUT_ALEMTUZUMAB, _("Alemtuzumab")
    OTHER = rules.WASHOUT_OTHER, _("Other")


def _decimal_field(label, *, digits, places, low, high, help_text=""):
    return models.DecimalField(
        label,
        max_digits=digits,
        decimal_places=places,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(
                Decimal(low),
                message=_("This value cannot be negative.")
                if Decimal(low) == 0
                else _("This value must be at least %(limit_value)s."),
            ),
            MaxValueValidator(
                Decimal(high), message=_("Above %(limit_value)s: check the value and its unit.")
            ),
        ],
        help_text=help_text,
    )


# Plausibility limits: outside them a typing error is far more likely than a patient.
LAB_FIELDS = {
    "crcl_ml_min": ("0", "300"),
    "bilirubin_mg_dl": ("0", "50"),
    "alt_u_l": ("0", "10000"),
    "alt_uln_u_l": ("1", "500"),
    "ast_u_l": ("0", "10000"),
    "ast_uln_u_l": ("1", "500"),
    "lvef_percent": ("0", "100"),
    "spo2_percent": ("50", "100"),
    "haemoglobin_g_dl": ("0", "25"),
    "platelets_10e9_l": ("0", "2000"),
    "anc_10e9_l": ("0", "100"),
    "alc_10e9_l": ("0", "500"),
    "ldh_u_l": ("0", "20000"),
    "ldh_uln_u_l": ("1", "2000"),
    "ferritin_ng_ml": ("0", "100000"),
    "crp_mg_dl": ("0", "100"),
    "largest_lesion_cm": ("0", "50"),
}


class ScreeningAssessment(models.Model):
    """The screening of one treatment course; saved in parts, evaluated by eligibility.rules."""

    course = models.OneToOneField(
        TreatmentCourse,
        on_delete=models.PROTECT,
        related_name="screening",
        verbose_name=_("course"),
    )
    assessed_on = models.DateField(
        _("assessment date"), help_text=_("The date of the labs and examination.")
    )
    # Disease
    diagnosis = models.CharField(
        _("diagnosis"), max_length=10, choices=Diagnosis.choices, blank=True
    )
    diagnosis_subtype = models.CharField(
        _("subtype"), max_length=200, blank=True, help_text=_("e.g. DLBCL NOS, GCB type; PMBCL.")
    )
    prior_autologous_transplant = models.BooleanField(
        _("prior autologous transplant"), null=True, blank=True
    )
    transplant_date = models.DateField(_("transplant date"), null=True, blank=True)
    transplant_outcome = models.CharField(
        _("transplant outcome"), max_length=20, choices=TransplantOutcome.choices, blank=True
    )
    transplant_candidate = models.BooleanField(
        _("candidate for autologous transplant now"), null=True, blank=True
    )
    lenalidomide_refractory = models.BooleanField(
        _("lenalidomide-refractory (myeloma)"), null=True, blank=True
    )
    largest_lesion_cm = _decimal_field(
        _("largest lesion diameter (cm)"), digits=4, places=1, low="0", high="50"
    )
    cns_involvement = models.BooleanField(_("active CNS involvement"), null=True, blank=True)
    # Fitness and organ function
    ecog = models.PositiveSmallIntegerField(
        _("ECOG performance status"),
        null=True,
        blank=True,
        validators=[
            MaxValueValidator(rules.ECOG_RANGE[1], message=_("ECOG runs from 0 to 4.")),
        ],
    )
    crcl_ml_min = _decimal_field(
        _("creatinine clearance (mL/min)"), digits=5, places=1, low="0", high="300"
    )
    bilirubin_mg_dl = _decimal_field(
        _("total bilirubin (mg/dL)"),
        digits=5,
        places=2,
        low="0",
        high="50",
        help_text=_("µmol/L ÷ 17.1"),
    )
    alt_u_l = _decimal_field(_("ALT (U/L)"), digits=7, places=1, low="0", high="10000")
    alt_uln_u_l = _decimal_field(
        _("ALT upper limit of normal (U/L)"), digits=5, places=1, low="1", high="500"
    )
    ast_u_l = _decimal_field(_("AST (U/L)"), digits=7, places=1, low="0", high="10000")
    ast_uln_u_l = _decimal_field(
        _("AST upper limit of normal (U/L)"), digits=5, places=1, low="1", high="500"
    )
    lvef_percent = _decimal_field(_("LVEF (%)"), digits=4, places=1, low="0", high="100")
    spo2_percent = _decimal_field(
        _("SpO2 on room air (%)"), digits=4, places=1, low="50", high="100"
    )
    # Blood counts and markers
    haemoglobin_g_dl = _decimal_field(
        _("haemoglobin (g/dL)"), digits=4, places=1, low="0", high="25", help_text=_("g/L ÷ 10")
    )
    platelets_10e9_l = _decimal_field(
        _("platelets (×10⁹/L)"), digits=6, places=1, low="0", high="2000"
    )
    anc_10e9_l = _decimal_field(_("ANC (×10⁹/L)"), digits=6, places=2, low="0", high="100")
    alc_10e9_l = _decimal_field(_("ALC (×10⁹/L)"), digits=6, places=2, low="0", high="500")
    ldh_u_l = _decimal_field(_("LDH (U/L)"), digits=7, places=1, low="0", high="20000")
    ldh_uln_u_l = _decimal_field(
        _("LDH upper limit of normal (U/L)"), digits=6, places=1, low="1", high="2000"
    )
    ferritin_ng_ml = _decimal_field(
        _("ferritin (ng/mL)"), digits=8, places=1, low="0", high="100000"
    )
    crp_mg_dl = _decimal_field(
        _("CRP (mg/dL)"), digits=5, places=2, low="0", high="100", help_text=_("mg/L ÷ 10")
    )
    # Safety
    active_infection = models.BooleanField(
        _("active uncontrolled infection"), null=True, blank=True
    )
    hbv = models.CharField(_("HBV serology"), max_length=10, choices=Serology.choices, blank=True)
    hcv = models.CharField(_("HCV serology"), max_length=10, choices=Serology.choices, blank=True)
    hiv = models.CharField(_("HIV serology"), max_length=10, choices=Serology.choices, blank=True)
    pregnancy = models.CharField(
        _("pregnancy"), max_length=20, choices=Pregnancy.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    # Per lab field: typed or from the lab system, observed when, which message (core/lab_sources).
    lab_sources = models.JSONField(_("lab value sources"), default=dict, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("last saved by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved at"), auto_now=True)
    # Optimistic lock: a save based on an older version is refused, never merged silently.
    version = models.PositiveIntegerField(default=1)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("screening assessment")
        verbose_name_plural = _("screening assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(ecog__isnull=True) | Q(ecog__lte=rules.ECOG_RANGE[1]),
                name="screening_ecog_0_to_4",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | (Q(**{f"{name}__gte": low}) & Q(**{f"{name}__lte": high})),
                    name=f"screening_{name}_plausible",
                )
                for name, (low, high) in LAB_FIELDS.items()
            ],
        ]

    def __str__(self) -> str:
        return f"{self.course} — {_('screening')} {self.assessed_on}"


class PriorLine(models.Model):
    """One line of systemic therapy before CAR-T."""

    assessment = models.ForeignKey(
        ScreeningAssessment,
        on_delete=models.CASCADE,
        related_name="prior_lines",
        verbose_name=_("screening"),
    )
    line_number = models.PositiveSmallIntegerField(
        _("line"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    regimen = models.CharField(_("regimen"), max_length=200)
    drug_classes = models.JSONField(
        _("drug classes"), default=list, blank=True, validators=[validate_drug_classes]
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    best_response = models.CharField(
        _("best response"), max_length=2, choices=Response.choices, blank=True
    )
    progression_date = models.DateField(_("relapse / progression"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["line_number"]
        verbose_name = _("prior line of therapy")
        verbose_name_plural = _("prior lines of therapy")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "line_number"],
                name="prior_line_number_unique",
                violation_error_message=_("Each line number may appear once."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="prior_line_end_after_start",
                violation_error_message=_("A line cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_number}. {self.regimen}"


class WashoutTherapy(models.Model):
    """A recent therapy with a washout before apheresis (read by the apheresis checks)."""

    assessment = models.ForeignKey(
        ScreeningAssessment,
        on_delete=models.CASCADE,
        related_name="washout_therapies",
        verbose_name=_("screening"),
    )
    therapy_class = models.CharField(
        _("therapy class"), max_length=20, choices=WashoutClass.choices
    )
    description = models.CharField(_("drug and dose"), max_length=200, blank=True)
    last_dose_date = models.DateField(_("last dose"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_dose_date", "id"]
        verbose_name = _("recent therapy (washout)")
        verbose_name_plural = _("recent therapies (washout)")

    def __str__(self) -> str:
        return f"{self.get_therapy_class_display()} — {self.last_dose_date}"
