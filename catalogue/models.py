"""The catalogue: products, their label data and indications, and the threshold table.

Reference data every stage shares, edited by administrators in the admin with history and read
by auditors. The tables keep their old names (patients_cartproduct, eligibility_productlabel,
…): the models moved here without moving a row (migration 0001_move_models_keep_tables;
0002 relabels their content types, so permissions and role grants follow).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import indications
from .regimens import REGIMENS
from .thresholds import DEFAULT_THRESHOLDS


class Diagnosis(models.TextChoices):
    """Indications of the approved products (clinical reference §4), coded for registries."""

    LBCL = "LBCL", _("Large B-cell lymphoma (DLBCL, HGBCL, PMBCL, transformed FL)")
    FL = "FL", _("Follicular lymphoma")
    MCL = "MCL", _("Mantle cell lymphoma")
    B_ALL = "B-ALL", _("B-cell acute lymphoblastic leukaemia")
    CLL_SLL = "CLL/SLL", _("Chronic lymphocytic leukaemia / small lymphocytic lymphoma")
    MM = "MM", _("Multiple myeloma")
    # Breyanzi US label §1.5 (December 2025): relapsed or refractory MZL (issue 16 item 7).
    MZL = "MZL", _("Marginal zone lymphoma")


class CarTProduct(models.Model):
    """A row of the CAR-T product catalogue (seeded from the clinical reference §4)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("brand name"), max_length=100)
    generic_name = models.CharField(_("generic name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, unique=True)
    target_antigen = models.CharField(_("target antigen"), max_length=20)
    manufacturer = models.CharField(_("manufacturer"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(table_name="patients_historicalcartproduct")

    class Meta:
        db_table = "patients_cartproduct"
        ordering = ["short_name"]
        verbose_name = _("CAR-T product")
        verbose_name_plural = _("CAR-T products")

    def __str__(self) -> str:
        return f"{self.short_name} ({self.name})"


class PostTransplantRule(models.TextChoices):
    ANY = indications.TRANSPLANT_RULE_ANY, _("No transplant condition")
    NOT_CANDIDATE = (
        indications.TRANSPLANT_RULE_NOT_CANDIDATE,
        _("Not a candidate for autologous transplant"),
    )
    FAILED_OR_NOT_CANDIDATE = (
        indications.TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
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
    history = HistoricalRecords(table_name="eligibility_historicalproductlabel")

    class Meta:
        db_table = "eligibility_productlabel"
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
        validators=[MaxValueValidator(indications.ECOG_RANGE[1])],
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
    history = HistoricalRecords(table_name="eligibility_historicalproductindication")

    class Meta:
        db_table = "eligibility_productindication"
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
                condition=Q(ecog_max__isnull=True) | Q(ecog_max__lte=indications.ECOG_RANGE[1]),
                name="indication_ecog_max_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.short_name}: {self.description}"


class Threshold(models.Model):
    """The programme's value for one threshold of the catalogue's table (catalogue/thresholds.py):
    eligibility, risk signals, CAR-HEMATOTOX and the washout before apheresis."""

    key = models.CharField(
        _("threshold"),
        max_length=60,
        unique=True,
        choices=[(k, t.description) for k, t in DEFAULT_THRESHOLDS.items()],
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
    history = HistoricalRecords(table_name="eligibility_historicalthreshold")

    class Meta:
        db_table = "eligibility_threshold"
        ordering = ["key"]
        verbose_name = _("eligibility threshold")
        verbose_name_plural = _("eligibility thresholds")

    def __str__(self) -> str:
        return f"{self.get_key_display()}: {self.value} {self.unit}".strip()
