from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalogue.models import CarTProduct, Diagnosis  # the catalogue, below patients
from core import system_text
from core.audit import AuditedManager, NoDeleteMixin

from . import rules
from .names import patient_display_name


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "O", _("Other")
    UNKNOWN = "U", _("Unknown")


class Stage(models.TextChoices):
    REFERRED = rules.REFERRED, _("Referred")
    SCREENING = rules.SCREENING, _("Screening")
    ELIGIBLE = rules.ELIGIBLE, _("Eligible")
    NOT_ELIGIBLE = rules.NOT_ELIGIBLE, _("Not eligible")
    CONSENTED = rules.CONSENTED, _("Consented")
    APHERESIS = rules.APHERESIS, _("Apheresis")
    MANUFACTURING = rules.MANUFACTURING, _("Manufacturing")
    BRIDGING = rules.BRIDGING, _("Bridging")
    LYMPHODEPLETION = rules.LYMPHODEPLETION, _("Lymphodepletion")
    INFUSION = rules.INFUSION, _("Infusion")
    MONITORING = rules.MONITORING, _("Monitoring")
    FOLLOW_UP = rules.FOLLOW_UP, _("Follow-up")
    COMPLETED = rules.COMPLETED, _("Completed")
    WITHDRAWN = rules.WITHDRAWN, _("Withdrawn")
    DECEASED = rules.DECEASED, _("Deceased")


def default_preferred_language() -> str:
    """A new patient's language until asked: the centre's (LANGUAGE_CODE)."""
    return settings.LANGUAGE_CODE


class Patient(NoDeleteMixin, models.Model):
    mrn = models.CharField(
        _("MRN"), max_length=30, unique=True, help_text=_("Hospital medical record number.")
    )
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=5,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal(str(rules.WEIGHT_KG_RANGE[0]))),
            MaxValueValidator(Decimal(str(rules.WEIGHT_KG_RANGE[1]))),
        ],
    )
    height_cm = models.DecimalField(
        _("height (cm)"),
        max_digits=4,
        decimal_places=1,
        validators=[
            MinValueValidator(Decimal(str(rules.HEIGHT_CM_RANGE[0]))),
            MaxValueValidator(Decimal(str(rules.HEIGHT_CM_RANGE[1]))),
        ],
    )
    diagnosis = models.CharField(_("diagnosis"), max_length=10, choices=Diagnosis.choices)
    ward = models.ForeignKey(
        "core.Ward", on_delete=models.PROTECT, related_name="patients", verbose_name=_("ward")
    )
    attending_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="attended_patients",
        verbose_name=_("attending clinician"),
    )
    # What the patient reads: the wallet card and every patient-facing print use it, not the
    # language of the staff member who prints them (issue 17).
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=default_preferred_language,
        help_text=_("The wallet card and other papers for the patient are printed in it."),
    )
    national_id = models.CharField(
        _("national ID"),
        max_length=30,
        blank=True,
        db_index=True,
        help_text=_("Resident identity card number, when the hospital system sends it."),
    )
    # A duplicate record merged by the hospital system (ADT^A40): it keeps its history and
    # points to the record that survives; its courses have moved there.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
        editable=False,
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic lock: a save based on an older version is refused, never merged silently.
    version = models.PositiveIntegerField(default=1)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__gte=rules.WEIGHT_KG_RANGE[0])
                & Q(weight_kg__lte=rules.WEIGHT_KG_RANGE[1]),
                name="patient_weight_kg_plausible",
            ),
            models.CheckConstraint(
                condition=Q(height_cm__gte=rules.HEIGHT_CM_RANGE[0])
                & Q(height_cm__lte=rules.HEIGHT_CM_RANGE[1]),
                name="patient_height_cm_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="patient_not_merged_into_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["ward", "family_name"]),
            models.Index(fields=["family_name", "given_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        """The name as every page, label and message prints it (patients/names.py)."""
        return patient_display_name(self.family_name, self.given_name)

    @property
    def body_surface_area_m2(self) -> float:
        return rules.body_surface_area_m2(height_cm=self.height_cm, weight_kg=self.weight_kg)


class TreatmentCourse(NoDeleteMixin, models.Model):
    """One CAR-T treatment of one patient, from referral to the end of follow-up."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="courses", verbose_name=_("patient")
    )
    product = models.ForeignKey(
        CarTProduct, on_delete=models.PROTECT, related_name="courses", verbose_name=_("product")
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.REFERRED, editable=False
    )
    referred_on = models.DateField(_("referred on"))
    planned_day0_date = models.DateField(_("planned Day 0"), null=True, blank=True)
    day0_date = models.DateField(_("Day 0 (infusion date)"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("treatment course")
        verbose_name_plural = _("treatment courses")
        constraints = [
            # A patient has at most one course under way; a second course (a re-treatment)
            # starts only after the first has ended.
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(stage__in=sorted(rules.TERMINAL_STAGES)),
                name="one_open_course_per_patient",
                violation_error_message=_("This patient already has a course under way."),
            ),
            models.CheckConstraint(
                condition=Q(stage__in=list(rules.STAGE_ORDER)), name="course_stage_known"
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "referred_on"]),
            # The patient list's stage filter: patients with a course in a stage.
            models.Index(fields=["stage", "patient"]),
        ]

    def __str__(self) -> str:
        return f"{self.patient} – {self.product.short_name} ({self.get_stage_display()})"

    @property
    def day0_reference(self):
        """The date day numbers count from: the infusion date, else the planned Day 0."""
        return self.day0_date or self.planned_day0_date

    @property
    def is_open(self) -> bool:
        return self.stage not in rules.TERMINAL_STAGES


class StageEvent(NoDeleteMixin, models.Model):
    """Append-only record of a course changing stage: who, when and why."""

    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.PROTECT,
        related_name="stage_events",
        verbose_name=_("course"),
    )
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=20, choices=Stage.choices)
    occurred_at = models.DateTimeField(_("recorded at"))
    effective_date = models.DateField(
        _("date"), help_text=_("Clinical date of the change, used for day numbers.")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    # What the system wrote ("Screening started.") as a code with parameters, said in the
    # reader's language (core.system_text); ``reason`` keeps what a person typed, as typed.
    reason_text = models.JSONField(_("system reason"), null=True, blank=True, default=None)
    reason = models.TextField(_("reason"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        indexes = [models.Index(fields=["course", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage} ({self.effective_date})"

    @property
    def reason_shown(self) -> str:
        """Why the course moved, as the reader sees it: the system's words in her language,
        then the person's words as typed (the timeline, the API)."""
        return " ".join(p for p in (system_text.say(self.reason_text), self.reason) if p)


class TransferSource(models.TextChoices):
    PAGE = "page", _("Recorded in the app")
    MONITORING = "monitoring", _("ICU transfer on the monitoring chart")
    HIS = "his", _("Hospital information system")


class WardTransfer(NoDeleteMixin, models.Model):
    """One move of a patient between wards: the patient's ward timeline. Append-only; the
    patient's current ward is the last transfer's destination."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="ward_transfers", verbose_name=_("patient")
    )
    from_ward = models.ForeignKey(
        "core.Ward", on_delete=models.PROTECT, related_name="+", verbose_name=_("from ward")
    )
    to_ward = models.ForeignKey(
        "core.Ward", on_delete=models.PROTECT, related_name="+", verbose_name=_("to ward")
    )
    transferred_at = models.DateTimeField(_("transferred at"))
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(
        _("source"), max_length=12, choices=TransferSource.choices, default=TransferSource.PAGE
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
        ordering = ["transferred_at", "id"]
        verbose_name = _("ward transfer")
        verbose_name_plural = _("ward transfers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_ward=models.F("to_ward")), name="transfer_changes_ward"
            )
        ]
        indexes = [models.Index(fields=["patient", "transferred_at"])]

    def __str__(self) -> str:
        return f"{self.from_ward} → {self.to_ward} ({self.transferred_at:%Y-%m-%d %H:%M})"
