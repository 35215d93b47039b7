"""Exports: a log line for every export, and background export jobs claimed by workers."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (XLSX)")


class Delivery(models.TextChoices):
    DOWNLOAD = "download", _("Direct download")
    BACKGROUND = "background", _("Background job")
    API = "api", _("API")


class ExportLog(models.Model):
    """Who exported what, with which filters, when, and how many rows. Append-only: the
    row is written when the export starts and completed when its last row is sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("exported by"),
    )
    dataset = models.CharField(_("dataset"), max_length=60)
    file_format = models.CharField(_("format"), max_length=10)
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Rows written so far; final once completed_at is set. An interrupted download keeps
    # the number of rows that were sent before the connection closed.
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    # Identifiable (MRNs, names, birth dates, free text) or pseudonymised (study codes;
    # reports/pseudonymise.py). An identifiable export always states its purpose.
    identifiable = models.BooleanField(_("identifiable"), default=False)
    purpose = models.TextField(_("purpose"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        indexes = [models.Index(fields=["user", "-started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(identifiable=False) | ~Q(purpose=""),
                name="export_log_identifiable_has_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.dataset}.{self.file_format} @ {self.started_at:%Y-%m-%d %H:%M}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """A large export written to a file by a Celery worker. The task gets only the id and
    claims the row with a conditional update, so a duplicate delivery does nothing."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    dataset = models.CharField(_("dataset"), max_length=60)
    file_format = models.CharField(_("format"), max_length=10, choices=FileFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows to write"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows written"), default=0)
    # Relative to MEDIA_ROOT (exports/…); served only through the access-checked view.
    file_path = models.CharField(_("file"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    identifiable = models.BooleanField(_("identifiable"), default=False)
    purpose = models.TextField(_("purpose"), blank=True)
    log = models.OneToOneField(
        ExportLog,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job",
        verbose_name=_("log entry"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=JobStatus.DONE) | ~Q(file_path=""),
                name="export_job_done_has_file",
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["csv", "xlsx"]), name="export_job_format_known"
            ),
            models.CheckConstraint(
                condition=Q(identifiable=False) | ~Q(purpose=""),
                name="export_job_identifiable_has_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.file_format} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.row_count / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class DashboardSnapshot(models.Model):
    """The dashboard's numbers for one filter, as last computed.

    The page reads this one row, so its cost does not grow with the programme's history; a
    worker recomputes it in the background (beat, or when a reader finds it stale). It is a
    cache of figures derived from audited records, not a record itself: no history.
    """

    scope_key = models.CharField(_("filter"), max_length=100, unique=True)
    diagnosis = models.CharField(_("diagnosis"), max_length=20, blank=True)
    infused_from = models.DateField(_("infused from"), null=True, blank=True)
    infused_to = models.DateField(_("infused to"), null=True, blank=True)
    data = models.JSONField(_("figures"), encoder=DjangoJSONEncoder)
    # The survival curves' full step tables, for their CSVs; the page draws thinned points
    # from data and never loads these.
    curve_points = models.JSONField(
        _("survival curve steps"), encoder=DjangoJSONEncoder, default=dict
    )
    # selectors.dashboard_figures' digest of curve_points: a recompute whose curves did not
    # change (most writes do not touch follow-up) leaves the large column as it is.
    curve_points_digest = models.CharField(
        _("digest of the survival curve steps"), max_length=64, blank=True, editable=False
    )
    computed_at = models.DateTimeField(_("computed at"))
    compute_seconds = models.FloatField(_("seconds to compute"))
    # Set when a refresh is queued, cleared when it is done: a reader queues at most one
    # refresh, and the beat sweep finds those whose message was lost.
    refresh_requested_at = models.DateTimeField(_("refresh requested at"), null=True, blank=True)
    last_viewed_at = models.DateTimeField(_("last viewed at"))

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        indexes = [models.Index(fields=["last_viewed_at"])]

    def __str__(self):
        return f"{self.scope_key or 'all'} @ {self.computed_at:%Y-%m-%d %H:%M}"


class CourseFigures(models.Model):
    """What the dashboard needs of one course, kept up to date on write (issue 20, item 5):
    its toxicity maxima and treatment counts, the days between its stages, and its
    outcome (followup/outcomes.py). A write to the course's records marks the row changed
    (reports/signals.py); the dashboard's recompute refreshes only changed or missing rows and
    then reads this one table, instead of every course's whole history. A cache of derived
    figures, not a record: no history."""

    course = models.OneToOneField(
        "patients.TreatmentCourse",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("course"),
    )
    assessment_count = models.PositiveIntegerField(_("assessments"), default=0)
    crs_max_grade = models.PositiveSmallIntegerField(_("CRS maximum grade"), null=True)
    icans_max_grade = models.PositiveSmallIntegerField(_("ICANS maximum grade"), null=True)
    tocilizumab_doses = models.PositiveIntegerField(_("tocilizumab doses"), default=0)
    corticosteroid_doses = models.PositiveIntegerField(_("corticosteroid doses"), default=0)
    icu_transfers = models.PositiveIntegerField(_("ICU transfers"), default=0)
    # Days between stages, one per selectors.course_figures.INTERVALS (null: not reached).
    interval_days = models.JSONField(_("days between stages"), default=list)
    # The outcome of an infused course; outcome_issue: its records contradict each other.
    outcome_issue = models.BooleanField(_("contradictory follow-up records"), default=False)
    best_response = models.CharField(_("best response"), max_length=10, blank=True)
    pfs_days = models.IntegerField(_("PFS (days)"), null=True)
    pfs_event = models.BooleanField(_("PFS event"), null=True)
    os_days = models.IntegerField(_("OS (days)"), null=True)
    os_event = models.BooleanField(_("OS event"), null=True)
    # The PFS convention the outcome was computed with: a change of setting recomputes all.
    pfs_censoring = models.CharField(_("PFS censoring"), max_length=20, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True)
    # A write to the course's records adds one to changes; a refresh sets changes_seen to the
    # value it read before reading the records. changes > changes_seen: to be refreshed (a
    # write committed during a refresh leaves the row to the next one).
    changes = models.PositiveIntegerField(_("changes"), default=1)
    changes_seen = models.PositiveIntegerField(_("changes refreshed"), default=0)

    class Meta:
        verbose_name = _("course figures")
        verbose_name_plural = _("course figures")

    def __str__(self) -> str:
        return f"figures of course {self.course_id}"
