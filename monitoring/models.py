from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import system_text
from core.audit import AuditedManager, NoDeleteMixin
from core.signatures import signable

from . import grading
from .catalogue import ManagementAdvice, VitalSignThreshold  # noqa: F401  (models of this app)


class OxygenDevice(models.TextChoices):
    ROOM_AIR = "room_air", _("Room air")
    BLOW_BY = "blow_by", _("Blow-by oxygen")
    NASAL_CANNULA = "nasal_cannula", _("Nasal cannula")
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula", _("High-flow nasal cannula")
    FACE_MASK = "face_mask", _("Face mask")
    NON_REBREATHER = "non_rebreather", _("Non-rebreather mask")
    VENTURI = "venturi", _("Venturi mask")
    CPAP = "cpap", _("CPAP")
    BIPAP = "bipap", _("BiPAP")
    MECHANICAL_VENTILATION = "mechanical_ventilation", _("Mechanical ventilation")


class Vasopressor(models.TextChoices):
    NOREPINEPHRINE = "norepinephrine", _("Norepinephrine")
    EPINEPHRINE = "epinephrine", _("Epinephrine")
    PHENYLEPHRINE = "phenylephrine", _("Phenylephrine")
    DOPAMINE = "dopamine", _("Dopamine")
    VASOPRESSIN = "vasopressin", _("Vasopressin")
    ANGIOTENSIN_II = "angiotensin_ii", _("Angiotensin II")
    METARAMINOL = "metaraminol", _("Metaraminol")


class Consciousness(models.TextChoices):
    ALERT = "alert", _("Alert")
    AWAKENS_SPONTANEOUSLY = "awakens_spontaneously", _("Awakens spontaneously")
    AWAKENS_TO_VOICE = "awakens_to_voice", _("Awakens to voice")
    AWAKENS_TO_TOUCH = "awakens_to_touch", _("Awakens only to touch")
    UNAROUSABLE = "unarousable", _("Unarousable")


class Seizure(models.TextChoices):
    NONE = "none", _("None")
    RESOLVED_RAPIDLY = "resolved_rapidly", _("Seizure that resolved rapidly")
    PROLONGED_OR_REPETITIVE = (
        "prolonged_or_repetitive",
        _("Prolonged (> 5 min) or repetitive seizures"),
    )


class MotorWeakness(models.TextChoices):
    NONE = "none", _("None")
    DEEP_FOCAL = "deep_focal", _("Deep focal weakness (hemiparesis, paraparesis)")


class CerebralEdema(models.TextChoices):
    NONE = "none", _("None")
    FOCAL = "focal", _("Focal oedema on imaging")
    DIFFUSE = "diffuse", _("Diffuse oedema, posturing, papilloedema or Cushing's triad")


assert set(OxygenDevice.values) == set(grading.OXYGEN_DEVICE_GRADE)
assert set(Vasopressor.values) == set(grading.VASOPRESSORS)
assert set(Consciousness.values) == set(grading.CONSCIOUSNESS_GRADE)


class Assessment(NoDeleteMixin, models.Model):
    """One bedside CRS/ICANS assessment, graded by ASTCT when it is recorded."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("course"),
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    # Vital signs. Temperature is the highest since the last assessment (ASTCT fever).
    temperature_c = models.DecimalField(
        _("highest temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(25), MaxValueValidator(45)],
    )
    heart_rate_bpm = models.PositiveSmallIntegerField(
        _("heart rate (/min)"), validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    systolic_bp_mmhg = models.PositiveSmallIntegerField(
        _("systolic BP (mmHg)"), validators=[MinValueValidator(30), MaxValueValidator(260)]
    )
    diastolic_bp_mmhg = models.PositiveSmallIntegerField(
        _("diastolic BP (mmHg)"), validators=[MinValueValidator(10), MaxValueValidator(160)]
    )
    spo2_percent = models.PositiveSmallIntegerField(
        _("SpO₂ (%)"), validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    respiratory_rate_per_min = models.PositiveSmallIntegerField(
        _("respiratory rate (/min)"), validators=[MinValueValidator(4), MaxValueValidator(80)]
    )
    oxygen_device = models.CharField(
        _("oxygen device"),
        max_length=30,
        choices=OxygenDevice.choices,
        default=OxygenDevice.ROOM_AIR,
    )
    oxygen_flow_l_min = models.DecimalField(
        _("oxygen flow (L/min)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    hypotension = models.BooleanField(_("hypotension"), default=False)
    vasopressors = models.JSONField(_("vasopressors running"), default=list, blank=True)
    fever_masked = models.BooleanField(
        _("antipyretic or anti-cytokine therapy given since fever began"), default=False
    )

    # Neurological assessment; absent when only vital signs were taken.
    neuro_assessed = models.BooleanField(_("neurological assessment done"), default=False)
    ice_orientation = models.PositiveSmallIntegerField(
        _("ICE orientation (year, month, city, hospital)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(4)],
    )
    ice_naming = models.PositiveSmallIntegerField(
        _("ICE naming three objects"), null=True, blank=True, validators=[MaxValueValidator(3)]
    )
    ice_commands = models.PositiveSmallIntegerField(
        _("ICE following commands"), null=True, blank=True, validators=[MaxValueValidator(1)]
    )
    ice_writing = models.PositiveSmallIntegerField(
        _("ICE writing a sentence"), null=True, blank=True, validators=[MaxValueValidator(1)]
    )
    ice_attention = models.PositiveSmallIntegerField(
        _("ICE counting back from 100 by 10"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1)],
    )
    ice_score = models.PositiveSmallIntegerField(_("ICE score"), null=True, blank=True)
    capd_score = models.PositiveSmallIntegerField(
        _("CAPD score (under 12)"), null=True, blank=True, validators=[MaxValueValidator(32)]
    )
    consciousness = models.CharField(
        _("level of consciousness"), max_length=30, choices=Consciousness.choices, blank=True
    )
    seizure = models.CharField(
        _("seizure"), max_length=30, choices=Seizure.choices, default=Seizure.NONE
    )
    motor_weakness = models.CharField(
        _("motor findings"),
        max_length=20,
        choices=MotorWeakness.choices,
        default=MotorWeakness.NONE,
    )
    cerebral_edema = models.CharField(
        _("raised ICP / cerebral oedema"),
        max_length=20,
        choices=CerebralEdema.choices,
        default=CerebralEdema.NONE,
    )
    notes = models.TextField(_("notes"), blank=True)

    # Where the measured values overrode the boxes (monitoring/vitals.py): codes and values,
    # worded in the reader's language by monitoring/wording.py.
    vitals_findings = models.JSONField(_("derived from the vital signs"), default=list, blank=True)
    crs_grade = models.PositiveSmallIntegerField(_("CRS grade"))
    # The reasons in English, as the exports and interfaces read them (they stay English by
    # design: SQL COPY in reports/datasets_clinical.py). Pages show the findings below instead.
    crs_reason = models.CharField(_("CRS grade reason"), max_length=300)
    icans_grade = models.PositiveSmallIntegerField(_("ICANS grade"), null=True, blank=True)
    icans_reason = models.CharField(_("ICANS grade reason"), max_length=300, blank=True)
    # The same reasons as codes with parameters (monitoring/grading.py, monitoring/texts.py),
    # said in the reader's language (issue 17). Empty on rows charted before whose English
    # could not be mapped back exactly: those show the English.
    crs_findings = models.JSONField(_("CRS grade findings"), default=list, blank=True)
    icans_findings = models.JSONField(_("ICANS grade findings"), default=list, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["course", "-assessed_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(crs_grade__lte=4), name="crs_grade_0_4"),
            models.CheckConstraint(
                condition=Q(icans_grade__isnull=True) | Q(icans_grade__lte=4),
                name="icans_grade_0_4",
            ),
        ]

    def __str__(self) -> str:
        # Local time, as every time shown (issue 16 item 5): the picker showed UTC.
        when = timezone.localtime(self.assessed_at)
        return f"{self.course.patient.mrn} {when:%Y-%m-%d %H:%M} CRS {self.crs_grade}"

    @property
    def vitals_note(self) -> str:
        """Why the grade differs from the boxes, in the reader's language (vitals.py)."""
        from .wording import vitals_findings_text

        return vitals_findings_text(self.vitals_findings)

    @property
    def crs_reason_text(self) -> str:
        """The CRS grade reason in the reader's language; the stored English for rows whose
        findings could not be recovered."""
        return system_text.say(self.crs_findings) if self.crs_findings else self.crs_reason

    @property
    def icans_reason_text(self) -> str:
        return system_text.say(self.icans_findings) if self.icans_findings else self.icans_reason


class InterventionKind(models.TextChoices):
    TOCILIZUMAB = "tocilizumab", _("Tocilizumab")
    CORTICOSTEROID = "corticosteroid", _("Corticosteroid")
    ANAKINRA = "anakinra", _("Anakinra")
    VASOPRESSOR = "vasopressor", _("Vasopressor started")
    ICU_TRANSFER = "icu_transfer", _("ICU transfer")
    ICU_DISCHARGE = "icu_discharge", _("Back from ICU")


class Intervention(NoDeleteMixin, models.Model):
    """A treatment given for CRS/ICANS, linked to the assessment that prompted it."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name=_("course"),
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name=_("prompted by assessment"),
        null=True,
        blank=True,
    )
    kind = models.CharField(_("intervention"), max_length=20, choices=InterventionKind.choices)
    given_at = models.DateTimeField(_("given at"))
    drug = models.CharField(_("drug"), max_length=60, blank=True)
    dose_mg = models.DecimalField(
        _("dose (mg)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    route = models.CharField(_("route"), max_length=20, blank=True)
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
        ordering = ["-given_at", "-id"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        indexes = [models.Index(fields=["course", "kind", "given_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.given_at):%Y-%m-%d %H:%M}"


class TaskKind(models.TextChoices):
    VITALS = "vitals", _("Vital signs and CRS")
    NEURO = "neuro", _("ICE / neurological assessment")


class MonitoringTask(NoDeleteMixin, models.Model):
    """An assessment due for a patient at a time slot. The sweep creates these rows; the
    unique key makes a second sweep harmless."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="monitoring_tasks",
        verbose_name=_("course"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(auto_now_add=True)
    # A nurse "takes" a task so two nurses do not assess the same patient twice.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("taken by"),
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by_assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="completed_tasks",
        null=True,
        blank=True,
    )
    # Closed unassessed: older than the shift when the sweep found it (a state, in the chart
    # and on the missed-assessment report), instead of a stale OVERDUE for days.
    missed_at = models.DateTimeField(_("closed as missed at"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("monitoring task")
        verbose_name_plural = _("monitoring tasks")
        constraints = [
            models.UniqueConstraint(fields=["course", "kind", "due_at"], name="one_task_per_slot"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(missed_at__isnull=True),
                name="task_done_or_missed_not_both",
            ),
        ]
        indexes = [
            models.Index(fields=["done_at", "due_at"]),
            models.Index(fields=["course", "kind", "done_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        if self.missed_at is not None:
            return "missed"
        return "open"


class ReminderKind(models.TextChoices):
    COMING_DUE = "coming_due", _("Coming due")
    OVERDUE = "overdue", _("Overdue")


class Reminder(models.Model):
    """One reminder about one task; delivered once, claimed by a conditional update."""

    task = models.ForeignKey(MonitoringTask, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="one_reminder_per_task_kind")
        ]
        indexes = [
            models.Index(
                fields=["sent_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.task}"


class Escalation(NoDeleteMixin, models.Model):
    """A grade of 2 or more, or any rise: the attending clinician must acknowledge it."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("course"),
    )
    assessment = models.OneToOneField(
        Assessment,
        on_delete=models.PROTECT,
        related_name="escalation",
        verbose_name=_("assessment"),
    )
    # Why, as codes with parameters ("CRS grade 2 (was 0)"), said in the reader's language
    # (core.system_text). ``reason`` is the same in English: the exports copy that column by
    # SQL and stay English by design (reports/datasets_clinical.py).
    reason_codes = models.JSONField(_("reasons (codes)"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("clinician notified at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement_note = models.TextField(_("plan / note"), blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        indexes = [models.Index(fields=["acknowledged_at", "-created_at"])]

    def __str__(self) -> str:
        return self.reason

    @property
    def reason_shown(self) -> str:
        """The reasons in the reader's language; the stored English for a row written before
        they were codes whose wording the migration did not know."""
        return system_text.say(self.reason_codes) or self.reason


@signable("course", "ended_at", "reason", "rule_summary")
class MonitoringEnd(NoDeleteMixin, models.Model):
    """A clinician's decision that monitoring is over (issue 16 item 3; clinical reference §3:
    the label window is a minimum and monitoring ends only by a clinician's decision).
    Signed with core.signatures; the course moves to follow-up in the same transaction."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="monitoring_end",
        verbose_name=_("course"),
    )
    ended_at = models.DateTimeField(_("ended at"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ended by"),
    )
    reason = models.TextField(_("reason"))
    rule_summary = models.CharField(_("rule at the time"), max_length=500, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("end of monitoring")
        verbose_name_plural = _("ends of monitoring")

    def __str__(self) -> str:
        return f"{self.course} {timezone.localtime(self.ended_at):%Y-%m-%d %H:%M}"


class LabAnalyte(models.TextChoices):
    CRP = "crp", _("CRP (mg/L)")
    FERRITIN = "ferritin", _("Ferritin (µg/L)")
    FIBRINOGEN = "fibrinogen", _("Fibrinogen (g/L)")
    ANC = "anc", _("ANC (10⁹/L)")
    PLATELETS = "platelets", _("Platelets (10⁹/L)")


class LabSource(models.TextChoices):
    TYPED = "typed", _("Typed")
    LAB_SYSTEM = "lab_system", _("Lab system")


class LabResult(NoDeleteMixin, models.Model):
    """A monitoring lab value in its canonical unit, typed at the bedside or received from
    the laboratory system (ORU^R01 / FHIR Observation): the source is shown with it."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="lab_results",
        verbose_name=_("course"),
    )
    analyte = models.CharField(_("test"), max_length=12, choices=LabAnalyte.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    measured_at = models.DateTimeField(_("sampled at"))
    source = models.CharField(
        _("source"), max_length=12, choices=LabSource.choices, default=LabSource.TYPED
    )
    # The sender's key (message control ID + OBX set ID, or Observation id): a result
    # received twice is stored once.
    external_key = models.CharField(_("sender's key"), max_length=120, blank=True)
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
        ordering = ["-measured_at", "-id"]
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")
        constraints = [
            models.UniqueConstraint(
                fields=["external_key"],
                condition=~Q(external_key=""),
                name="lab_result_once_per_sender_key",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="lab_value_not_negative"),
        ]
        indexes = [models.Index(fields=["course", "analyte", "-measured_at"])]

    def __str__(self) -> str:
        return f"{self.get_analyte_display()} {self.value} ({self.measured_at:%Y-%m-%d %H:%M})"
