"""Product label data, screening assessments, MDT decisions and informed consent."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager
from core.signatures import signable
from core.uploads import check_upload_content, read_upload
from infusion.dosing import REGIMENS
from patients.models import CarTProduct, Diagnosis, TreatmentCourse

from . import rules

# --- Catalogue (administrators edit these in the admin) -------------------------------------


class PostTransplantRule(models.TextChoices):
    ANY = rules.TRANSPLANT_RULE_ANY, _("No transplant condition")
    NOT_CANDIDATE = (
        rules.TRANSPLANT_RULE_NOT_CANDIDATE,
        _("Not a candidate for autologous transplant"),
    )
    FAILED_OR_NOT_CANDIDATE = (
        rules.TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
        _("Relapsed after autologous transplant, or not a candidate for one"),
    )


class DrugClass(models.TextChoices):
    ANTI_CD20 = "anti_cd20", _("Anti-CD20 antibody")
    ANTHRACYCLINE = "anthracycline", _("Anthracycline")
    IMID = "imid", _("Immunomodulatory drug (IMiD)")
    PROTEASOME_INHIBITOR = "proteasome_inhibitor", _("Proteasome inhibitor")
    ANTI_CD38 = "anti_cd38", _("Anti-CD38 antibody")
    BTK_INHIBITOR = "btk_inhibitor", _("BTK inhibitor")
    BCL2_INHIBITOR = "bcl2_inhibitor", _("BCL-2 inhibitor")
    BISPECIFIC = "bispecific", _("Bispecific antibody")


REGIMEN_CHOICES = [(key, regimen.name) for key, regimen in REGIMENS.items()]


def validate_drug_classes(value) -> None:
    if not isinstance(value, list) or any(v not in DrugClass.values for v in value):
        raise ValidationError(
            _("Choose drug classes from the list: %(classes)s.")
            % {"classes": ", ".join(DrugClass.values)}
        )


class ProductLabel(models.Model):
    """Label data of a catalogue product that the whole course needs after infusion."""

    product = models.OneToOneField(
        CarTProduct, on_delete=models.CASCADE, related_name="label", verbose_name=_("product")
    )
    monitoring_window_days = models.PositiveSmallIntegerField(
        _("monitoring window (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days of monitoring after infusion (clinical reference §3)."),
    )
    proximity_restriction_weeks = models.PositiveSmallIntegerField(
        _("stay near the centre (weeks)"), validators=[MaxValueValidator(52)]
    )
    driving_restriction_weeks = models.PositiveSmallIntegerField(
        _("no driving (weeks)"), validators=[MaxValueValidator(52)]
    )
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Unticked: an institutional default that must be reviewed against the label."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["product__short_name"]
        verbose_name = _("product label data")
        verbose_name_plural = _("product label data")

    def __str__(self) -> str:
        return str(self.product)


class ProductIndication(models.Model):
    """One approved indication of a product: who may receive it, at what dose, after what."""

    product = models.ForeignKey(
        CarTProduct,
        on_delete=models.CASCADE,
        related_name="indications",
        verbose_name=_("product"),
    )
    diagnosis = models.CharField(_("diagnosis"), max_length=10, choices=Diagnosis.choices)
    description = models.CharField(_("indication"), max_length=200)
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Indications of a diagnosis are tried in this order.")
    )
    min_prior_lines = models.PositiveSmallIntegerField(
        _("minimum prior lines of systemic therapy"), validators=[MaxValueValidator(20)]
    )
    first_line_relapse_within_months = models.PositiveSmallIntegerField(
        _("second line: refractory or relapse within (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Set for second-line indications: the first line must have failed (stable or "
            "progressive disease) or relapse must have come within this many months of its end."
        ),
    )
    post_transplant_rule = models.CharField(
        _("post-transplant rule"),
        max_length=30,
        choices=PostTransplantRule.choices,
        default=PostTransplantRule.ANY,
    )
    min_age_years = models.PositiveSmallIntegerField(
        _("minimum age (years)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age_years = models.PositiveSmallIntegerField(
        _("maximum age (years)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    ecog_max = models.PositiveSmallIntegerField(
        _("ECOG at most"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(rules.ECOG_RANGE[1])],
        help_text=_("Empty: the programme default threshold."),
    )
    required_prior_drug_classes = models.JSONField(
        _("required prior drug classes"),
        default=list,
        blank=True,
        validators=[validate_drug_classes],
        help_text=_('Codes, e.g. ["imid", "proteasome_inhibitor", "anti_cd38"].'),
    )
    requires_lenalidomide_refractory = models.BooleanField(
        _("lenalidomide-refractory required"), default=False
    )
    requires_refractory_or_second_relapse = models.BooleanField(
        _("refractory or second or later relapse required"),
        default=False,
        help_text=_("Kymriah B-ALL: first relapse is not an indication."),
    )
    last_line_relapse_within_months = models.PositiveSmallIntegerField(
        _("latest line (second or later): refractory or relapse within (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Relma-cel FL: refractory to, or relapse within 24 months of, second-line "
            "or later therapy."
        ),
    )
    first_line_required_drug_classes = models.JSONField(
        _("first line must have included"),
        default=list,
        blank=True,
        validators=[validate_drug_classes],
        help_text=_('Codes, e.g. ["anti_cd20"] for first-line chemoimmunotherapy.'),
    )
    dose_text = models.CharField(_("dose"), max_length=200)
    lymphodepletion_regimen_key = models.CharField(
        _("lymphodepletion regimen"),
        max_length=30,
        choices=REGIMEN_CHOICES,
        blank=True,
        help_text=_("Empty when the dosing table has no regimen for this indication."),
    )
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Unticked: an institutional default that must be reviewed against the label."),
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product__short_name", "diagnosis", "position", "id"]
        verbose_name = _("product indication")
        verbose_name_plural = _("product indications")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age_years__isnull=True)
                | Q(max_age_years__isnull=True)
                | Q(min_age_years__lte=models.F("max_age_years")),
                name="indication_age_range_ordered",
                violation_error_message=_("The minimum age must not be above the maximum age."),
            ),
            models.CheckConstraint(
                condition=Q(ecog_max__isnull=True) | Q(ecog_max__lte=rules.ECOG_RANGE[1]),
                name="indication_ecog_max_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.short_name}: {self.description}"

    def as_rule(self) -> rules.Indication:
        return rules.Indication(
            diagnosis=self.diagnosis,
            description=self.description,
            min_prior_lines=self.min_prior_lines,
            first_line_relapse_within_months=self.first_line_relapse_within_months,
            post_transplant_rule=self.post_transplant_rule,
            min_age_years=self.min_age_years,
            max_age_years=self.max_age_years,
            ecog_max=self.ecog_max,
            required_prior_drug_classes=tuple(self.required_prior_drug_classes),
            requires_lenalidomide_refractory=self.requires_lenalidomide_refractory,
            requires_refractory_or_second_relapse=self.requires_refractory_or_second_relapse,
            last_line_relapse_within_months=self.last_line_relapse_within_months,
            first_line_required_drug_classes=tuple(self.first_line_required_drug_classes),
        )


class Threshold(models.Model):
    """The programme's value for one threshold of eligibility/rules.py (its default table)."""

    key = models.CharField(
        _("threshold"),
        max_length=60,
        unique=True,
        choices=[(k, t.description) for k, t in rules.DEFAULT_THRESHOLDS.items()],
    )
    value = models.DecimalField(
        _("value"), max_digits=10, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Unticked: UNVERIFIED — an institutional default to review."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = _("eligibility threshold")
        verbose_name_plural = _("eligibility thresholds")

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.value} {self.unit}".strip()


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


# --- MDT decision ---------------------------------------------------------------------------


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    DEFER = "defer", _("Defer")


class RuleResult(models.TextChoices):
    ELIGIBLE = rules.ELIGIBLE, _("Eligible")
    NOT_ELIGIBLE = rules.NOT_ELIGIBLE, _("Not eligible")
    INCOMPLETE = rules.INCOMPLETE, _("Incomplete")


@signable(
    "course",
    "assessment",
    "decision",
    "decided_on",
    "rule_result",
    "criteria_snapshot",
    "justification",
    "attendees",
)
class MdtDecision(models.Model):
    """The multidisciplinary team's decision, with the rule result it was taken on."""

    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.PROTECT,
        related_name="mdt_decisions",
        verbose_name=_("course"),
    )
    assessment = models.ForeignKey(
        ScreeningAssessment,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("screening"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_on = models.DateField(_("MDT date"))
    rule_result = models.CharField(
        _("rule result at decision"), max_length=20, choices=RuleResult.choices
    )
    # The criteria table as it stood when the team decided (thresholds and labs may change).
    criteria_snapshot = models.JSONField(_("criteria at decision"), default=list)
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Required to approve a screening that is incomplete or not eligible."),
    )
    attendees = models.CharField(_("MDT members present"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("MDT decision")
        verbose_name_plural = _("MDT decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=Decision.APPROVE)
                | Q(rule_result=RuleResult.ELIGIBLE)
                | ~Q(justification=""),
                name="mdt_approval_against_rules_justified",
                violation_error_message=_(
                    "Approving a screening that is not eligible or incomplete needs a "
                    "written justification."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_on})"


# --- Informed consent -----------------------------------------------------------------------

CONSENT_MAX_BYTES = 10 * 1024 * 1024
# File signatures: the extension alone is not trusted.
CONSENT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def validate_consent_document(document) -> None:
    """PDF, JPEG or PNG (by content, not only by name), at most 10 MB."""
    name = (getattr(document, "name", "") or "").lower()
    extension = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in CONSENT_SIGNATURES:
        raise ValidationError(
            _("The signed consent must be a PDF, JPEG or PNG file."), code="file_type"
        )
    if document.size > CONSENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is 10 MB.")
            % {"size": f"{document.size / 1024 / 1024:.1f}"},
            code="file_size",
        )
    position = document.tell() if hasattr(document, "tell") else 0
    document.seek(0)
    head = document.read(16)
    document.seek(position)
    if not any(head.startswith(sig) for sig in CONSENT_SIGNATURES[extension]):
        raise ValidationError(
            _("The file's content is not a %(type)s document.")
            % {"type": extension.lstrip(".").upper()},
            code="file_content",
        )
    check_upload_content(read_upload(document), extension.lstrip("."))


def consent_upload_to(instance, filename: str) -> str:
    # A random name: the patient's name never appears in a file path.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"consent/{uuid.uuid4().hex}.{extension}"


CONSENT_ITEMS = (
    "explained_price",
    "explained_benefit",
    "explained_crs_icans",
    "explained_long_term_follow_up",
    "explained_restrictions",
)


class ConsentRecord(models.Model):
    """Informed consent: who explained what, when, with the signed document."""

    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("course"),
    )
    consented_on = models.DateField(_("date of consent"))
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("explained by"),
    )
    explained_price = models.BooleanField(_("price of the treatment"), default=False)
    explained_benefit = models.BooleanField(_("expected benefit"), default=False)
    explained_crs_icans = models.BooleanField(
        _("risks of CRS and neurotoxicity (ICANS)"), default=False
    )
    explained_long_term_follow_up = models.BooleanField(
        _("duty of long-term follow-up (up to 15 years)"), default=False
    )
    explained_restrictions = models.BooleanField(
        _("driving and proximity restrictions after infusion"), default=False
    )
    document = models.FileField(
        _("signed consent document"),
        upload_to=consent_upload_to,
        validators=[validate_consent_document],
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )
    document_name = models.CharField(_("original file name"), max_length=255, editable=False)
    notes = models.TextField(_("notes"), blank=True)
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
        ordering = ["-consented_on", "-id"]
        verbose_name = _("informed consent")
        verbose_name_plural = _("informed consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    explained_price=True,
                    explained_benefit=True,
                    explained_crs_icans=True,
                    explained_long_term_follow_up=True,
                    explained_restrictions=True,
                ),
                name="consent_every_item_explained",
                violation_error_message=_("Every item must be explained before consent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Consent')} {self.consented_on}"
