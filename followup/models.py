"""Follow-up after CAR-T infusion: discharge, the 15-year visit schedule, visits, reminders."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager

from . import outcomes, schedule


class LuganoResponse(models.TextChoices):
    """Lugano 2014 response (clinical reference §6). Blank: not assessed at this contact."""

    CR = outcomes.CR, _("Complete response (CR)")
    PR = outcomes.PR, _("Partial response (PR)")
    SD = outcomes.SD, _("Stable disease (SD)")
    PD = outcomes.PD, _("Progressive disease (PD)")
    NE = outcomes.NE, _("Not evaluable (NE)")


class ImagingMethod(models.TextChoices):
    PET_CT = "pet_ct", _("PET-CT (Deauville 5-point scale)")
    CT = "ct", _("CT")
    MRI = "mri", _("MRI")
    BONE_MARROW = "bone_marrow", _("Bone marrow examination")
    CLINICAL = "clinical", _("Clinical examination only")


class VitalStatus(models.TextChoices):
    ALIVE = outcomes.ALIVE, _("Alive")
    DEAD = outcomes.DEAD, _("Dead")
    LOST = outcomes.LOST, _("Lost to follow-up")


class CauseOfDeath(models.TextChoices):
    PROGRESSION = "progression", _("Disease progression or relapse")
    INFECTION = "infection", _("Infection")
    CRS = "crs", _("Cytokine release syndrome")
    ICANS = "icans", _("Neurotoxicity (ICANS)")
    CYTOPENIA = "cytopenia", _("Prolonged cytopenia / haemorrhage")
    SECOND_MALIGNANCY = "second_malignancy", _("Second malignancy")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ContactType(models.TextChoices):
    CLINIC = "clinic", _("Clinic visit")
    TELEPHONE = "telephone", _("Telephone contact")
    RECORDS = "records", _("Outside records")


class CarTPersistence(models.TextChoices):
    DETECTED = "detected", _("Detected")
    NOT_DETECTED = "not_detected", _("Not detected")


class VisitState(models.TextChoices):
    PLANNED = schedule.PLANNED, _("Planned")
    DONE = schedule.DONE, _("Done")
    CANCELLED = schedule.CANCELLED, _("Cancelled")


# How a scheduled visit stands today (schedule.visit_status), in words for the pages.
STATUS_LABELS = {
    schedule.UPCOMING: _("Upcoming"),
    schedule.DUE: _("Due"),
    schedule.OVERDUE: _("Overdue"),
    schedule.DONE: _("Done"),
    schedule.CANCELLED: _("Cancelled"),
}


class InfectionSite(models.TextChoices):
    BLOODSTREAM = "bloodstream", _("Bloodstream")
    UPPER_RESPIRATORY = "upper_respiratory", _("Upper respiratory tract")
    LOWER_RESPIRATORY = "lower_respiratory", _("Lower respiratory tract / pneumonia")
    URINARY = "urinary", _("Urinary tract")
    GASTROINTESTINAL = "gastrointestinal", _("Gastrointestinal")
    SKIN = "skin", _("Skin and soft tissue")
    CNS = "cns", _("Central nervous system")
    DISSEMINATED = "disseminated", _("Disseminated")
    OTHER = "other", _("Other")


class OrganismType(models.TextChoices):
    BACTERIAL = "bacterial", _("Bacterial")
    VIRAL = "viral", _("Viral")
    FUNGAL = "fungal", _("Fungal")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not identified")


class LateEventCategory(models.TextChoices):
    SECOND_PRIMARY = "second_primary", _("Second primary malignancy")
    T_CELL_MALIGNANCY = "t_cell_malignancy", _("T-cell malignancy")
    CYTOPENIA = "cytopenia", _("Prolonged cytopenia")
    HYPOGAMMAGLOBULINAEMIA = "hypogammaglobulinaemia", _("Hypogammaglobulinaemia")
    NEUROLOGICAL = "neurological", _("Neurological")
    AUTOIMMUNE = "autoimmune", _("Autoimmune")
    OTHER = "other", _("Other")


# Events that must also be reported to the manufacturer (boxed warning, April 2024).
MANUFACTURER_REPORTABLE = frozenset({LateEventCategory.T_CELL_MALIGNANCY})


class TherapyCategory(models.TextChoices):
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy / chemo-immunotherapy")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    ALLOGENEIC_SCT = "allo_sct", _("Allogeneic stem cell transplant")
    AUTOLOGOUS_SCT = "auto_sct", _("Autologous stem cell transplant")
    BISPECIFIC = "bispecific", _("Bispecific antibody")
    CAR_T = "car_t", _("Another CAR-T")
    TARGETED = "targeted", _("Targeted therapy")
    OTHER = "other", _("Other")


class CtcaeGrade(models.IntegerChoices):
    """CTCAE v5.0 grades of an adverse event."""

    MILD = 1, _("Grade 1 – mild")
    MODERATE = 2, _("Grade 2 – moderate")
    SEVERE = 3, _("Grade 3 – severe")
    LIFE_THREATENING = 4, _("Grade 4 – life-threatening")
    DEATH = 5, _("Grade 5 – death")


class CytopeniaGrade(models.IntegerChoices):
    """Worst CTCAE v5.0 grade of neutropenia, anaemia or thrombocytopenia at the visit."""

    NONE = 0, _("Grade 0 – none")
    G1 = 1, _("Grade 1")
    G2 = 2, _("Grade 2")
    G3 = 3, _("Grade 3")
    G4 = 4, _("Grade 4")


class Discharge(models.Model):
    """The patient leaves the ward: restrictions, caregiver and the wallet card."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="discharge",
        verbose_name=_("course"),
    )
    discharge_date = models.DateField(_("discharge date"))
    stay_near_centre_days = models.PositiveSmallIntegerField(_("stay near the centre (days)"))
    no_driving_days = models.PositiveSmallIntegerField(_("no driving (days)"))
    stay_near_centre_until = models.DateField(_("stay near the centre until"))
    no_driving_until = models.DateField(_("no driving or hazardous machinery until"))
    restriction_source = models.CharField(_("restriction source"), max_length=200)
    caregiver_name = models.CharField(_("caregiver"), max_length=200)
    caregiver_relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    caregiver_phone = models.CharField(_("caregiver telephone"), max_length=40)
    lodging_address = models.TextField(
        _("where the patient stays"),
        blank=True,
        help_text=_("Address within reach of the centre during the restriction."),
    )
    centre_phone = models.CharField(
        _("24-hour centre telephone"), max_length=40, help_text=_("Printed on the wallet card.")
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("discharge")
        verbose_name_plural = _("discharges")

    def __str__(self) -> str:
        return f"{self.course.patient} – {self.discharge_date}"


class FollowUpEnd(models.Model):
    """A clinician's record that follow-up at this centre has ended: the course is complete
    (clinical reference: long-term follow-up of up to 15 years; a patient may also be handed
    to another centre or registry earlier)."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="follow_up_end",
        verbose_name=_("course"),
    )
    ended_on = models.DateField(_("follow-up ended on"))
    reason = models.TextField(_("reason"))
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
        verbose_name = _("end of follow-up")
        verbose_name_plural = _("ends of follow-up")

    def __str__(self) -> str:
        return f"{self.course} – {self.ended_on}"


class ScheduledVisit(models.Model):
    """One visit of a course's follow-up schedule, with its due window."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="scheduled_visits",
        verbose_name=_("course"),
    )
    code = models.SlugField(_("visit"), max_length=10)
    sequence = models.PositiveSmallIntegerField(_("order"))
    target_date = models.DateField(_("due on"))
    window_start = models.DateField(_("window opens"))
    window_end = models.DateField(_("window closes"))
    day0_date = models.DateField(_("counted from Day 0"))
    visit_state = models.CharField(
        _("state"), max_length=10, choices=VisitState.choices, default=VisitState.PLANNED
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["course", "sequence"]
        verbose_name = _("scheduled visit")
        verbose_name_plural = _("scheduled visits")
        constraints = [
            models.UniqueConstraint(fields=["course", "code"], name="one_scheduled_visit_per_code"),
            models.CheckConstraint(
                condition=Q(window_start__lte=F("target_date"))
                & Q(target_date__lte=F("window_end")),
                name="scheduled_visit_target_inside_window",
                violation_error_message=_("The due date must lie inside the visit's window."),
            ),
        ]
        indexes = [
            models.Index(fields=["visit_state", "target_date"]),
            models.Index(fields=["visit_state", "window_end"]),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.target_date})"

    @property
    def label(self) -> str:
        return visit_label(self.code)

    @property
    def contact(self) -> str:
        return schedule.spec_for(self.code).contact

    def status_on(self, today) -> str:
        return schedule.visit_status(
            state=self.visit_state,
            window_start=self.window_start,
            window_end=self.window_end,
            today=today,
        )


def visit_label(code: str) -> str:
    """'Day 14', 'Day 100 (Month 3)', 'Month 6', 'Year 7', in the user's language."""
    spec = schedule.spec_for(code)
    if spec.unit == "day" and spec.number == 100:
        return str(_("Day 100 (Month 3)"))
    if spec.unit == "day" and spec.number == 365:
        return str(_("Day 365 (Year 1)"))
    if spec.unit == "day":
        return str(_("Day %(n)d")) % {"n": spec.number}
    if spec.unit == "month":
        return str(_("Month %(n)d")) % {"n": spec.number}
    return str(_("Year %(n)d")) % {"n": spec.number}


class FollowUpVisit(models.Model):
    """What one follow-up visit or contact found. Append-only: corrections add a visit."""

    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        related_name="followup_visits",
        verbose_name=_("course"),
    )
    scheduled_visit = models.OneToOneField(
        ScheduledVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record",
        verbose_name=_("scheduled visit"),
        help_text=_("Empty for an unscheduled visit."),
    )
    visit_date = models.DateField(_("visit date"))
    contact_type = models.CharField(
        _("contact"), max_length=12, choices=ContactType.choices, default=ContactType.CLINIC
    )
    lugano_response = models.CharField(
        _("disease response (Lugano 2014)"),
        max_length=2,
        choices=LuganoResponse.choices,
        blank=True,
        help_text=_("Leave empty when response was not assessed at this contact."),
    )
    imaging_method = models.CharField(
        _("assessed by"), max_length=12, choices=ImagingMethod.choices, blank=True
    )
    deauville_score = models.PositiveSmallIntegerField(
        _("Deauville score (PET)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    cr_deauville_confirmed = models.BooleanField(
        _("CR confirmed despite Deauville 4–5"),
        default=False,
        help_text=_(
            "Lugano 2014: a complete metabolic response is Deauville 1–3. Tick only when the "
            "clinician confirms a CR with a score of 4 or 5, and give the reason."
        ),
    )
    cr_deauville_reason = models.CharField(
        _("reason for CR with Deauville 4–5"), max_length=300, blank=True
    )
    haemoglobin_g_dl = models.DecimalField(
        _("haemoglobin (g/dL)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(25)],
    )
    neutrophils_10e9_l = models.DecimalField(
        _("neutrophils (×10⁹/L)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    lymphocytes_10e9_l = models.DecimalField(
        _("lymphocytes (×10⁹/L)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(500)],
    )
    platelets_10e9_l = models.PositiveIntegerField(
        _("platelets (×10⁹/L)"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    igg_g_l = models.DecimalField(
        _("immunoglobulin G (g/L)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
    )
    b_cells_per_ul = models.PositiveIntegerField(
        _("CD19+ B cells (cells/µL)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10000)],
    )
    car_t_persistence = models.CharField(
        _("CAR-T persistence"),
        max_length=12,
        choices=CarTPersistence.choices,
        blank=True,
        help_text=_("Empty when not measured."),
    )
    car_t_copies_per_ug_dna = models.PositiveIntegerField(
        _("CAR transgene (copies/µg DNA)"), null=True, blank=True
    )
    cytopenia_grade = models.PositiveSmallIntegerField(
        _("worst cytopenia grade (CTCAE)"), choices=CytopeniaGrade.choices, null=True, blank=True
    )
    ivig_given = models.BooleanField(_("IVIG given"), default=False)
    vital_status = models.CharField(
        _("vital status"), max_length=5, choices=VitalStatus.choices, default=VitalStatus.ALIVE
    )
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    death_cause = models.CharField(
        _("cause of death"), max_length=20, choices=CauseOfDeath.choices, blank=True
    )
    death_cause_detail = models.CharField(_("cause of death, details"), max_length=300, blank=True)
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
        ordering = ["course", "visit_date", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(vital_status=VitalStatus.DEAD)
                    & Q(death_date__isnull=False)
                    & ~Q(death_cause="")
                    & Q(death_date__lte=F("visit_date"))
                )
                | (
                    ~Q(vital_status=VitalStatus.DEAD)
                    & Q(death_date__isnull=True)
                    & Q(death_cause="")
                ),
                name="followup_visit_death_fields_match_status",
                violation_error_message=_(
                    "A date and cause of death go with the vital status Dead, and only with it; "
                    "the date of death cannot be after the visit."
                ),
            ),
            models.CheckConstraint(
                condition=Q(deauville_score__isnull=True)
                | (Q(deauville_score__gte=1) & Q(deauville_score__lte=5)),
                name="followup_visit_deauville_1_to_5",
            ),
            # Lugano 2014: CR is Deauville 1–3; 4–5 only with a confirmation and its reason.
            models.CheckConstraint(
                condition=~(
                    Q(lugano_response=LuganoResponse.CR)
                    & Q(deauville_score__gte=outcomes.DEAUVILLE_COMPLETE_METABOLIC_MAX + 1)
                )
                | (Q(cr_deauville_confirmed=True) & ~Q(cr_deauville_reason="")),
                name="followup_visit_cr_deauville_4_5_confirmed",
                violation_error_message=_(
                    "A complete response with Deauville 4–5 needs the clinician's confirmation "
                    "and reason (Lugano 2014: CR is Deauville 1–3)."
                ),
            ),
        ]
        indexes = [models.Index(fields=["course", "visit_date"])]

    def __str__(self) -> str:
        return f"{self.course.patient} – {self.visit_date}"

    @property
    def label(self) -> str:
        return self.scheduled_visit.label if self.scheduled_visit_id else str(_("Unscheduled"))


class Infection(models.Model):
    visit = models.ForeignKey(
        FollowUpVisit, on_delete=models.CASCADE, related_name="infections", verbose_name=_("visit")
    )
    infection_site = models.CharField(_("site"), max_length=20, choices=InfectionSite.choices)
    organism_type = models.CharField(
        _("organism type"), max_length=10, choices=OrganismType.choices
    )
    organism = models.CharField(_("organism"), max_length=120, blank=True)
    infection_grade = models.PositiveSmallIntegerField(
        _("grade (CTCAE)"), choices=CtcaeGrade.choices
    )
    onset_date = models.DateField(_("onset"), null=True, blank=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("infection")
        verbose_name_plural = _("infections")
        constraints = [
            models.CheckConstraint(
                condition=Q(infection_grade__gte=1) & Q(infection_grade__lte=5),
                name="infection_grade_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_infection_site_display()} {self.organism} G{self.infection_grade}"


class LateAdverseEvent(models.Model):
    visit = models.ForeignKey(
        FollowUpVisit,
        on_delete=models.CASCADE,
        related_name="adverse_events",
        verbose_name=_("visit"),
    )
    event_category = models.CharField(
        _("category"), max_length=24, choices=LateEventCategory.choices
    )
    term = models.CharField(_("CTCAE term / diagnosis"), max_length=200)
    event_grade = models.PositiveSmallIntegerField(_("grade (CTCAE)"), choices=CtcaeGrade.choices)
    onset_date = models.DateField(_("onset"), null=True, blank=True)
    reported_to_manufacturer = models.BooleanField(_("reported to the manufacturer"), default=False)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("late adverse event")
        verbose_name_plural = _("late adverse events")
        constraints = [
            models.CheckConstraint(
                condition=Q(event_grade__gte=1) & Q(event_grade__lte=5),
                name="late_event_grade_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} G{self.event_grade}"


class SubsequentTherapy(models.Model):
    visit = models.ForeignKey(
        FollowUpVisit, on_delete=models.CASCADE, related_name="therapies", verbose_name=_("visit")
    )
    therapy_category = models.CharField(
        _("therapy"), max_length=14, choices=TherapyCategory.choices
    )
    description = models.CharField(_("regimen / details"), max_length=200, blank=True)
    start_date = models.DateField(_("started on"))
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["visit", "start_date", "id"]
        verbose_name = _("subsequent therapy")
        verbose_name_plural = _("subsequent therapies")

    def __str__(self) -> str:
        return f"{self.get_therapy_category_display()} {self.start_date}"


class ReminderKind(models.TextChoices):
    UPCOMING = "upcoming", _("Visit coming up")
    OVERDUE = "overdue", _("Visit overdue")


class VisitReminder(models.Model):
    """One reminder to the follow-up nurses, created by the sweep and claimed once to send."""

    scheduled_visit = models.ForeignKey(
        ScheduledVisit,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("scheduled visit"),
    )
    reminder_kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set by the one worker that claims the row (UPDATE … WHERE sent_at IS NULL).
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    skipped = models.BooleanField(
        _("skipped"), default=False, help_text=_("The visit was done or cancelled before sending.")
    )
    recipients = models.TextField(_("recipients"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("visit reminder")
        verbose_name_plural = _("visit reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled_visit", "reminder_kind"], name="one_reminder_per_visit_and_kind"
            )
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_reminder_kind_display()} – {self.scheduled_visit}"
