"""The monitoring sweep: close missed tasks, create due tasks and reminders, deliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from core import system_text
from patients.models import Stage, StageEvent, TreatmentCourse

from .. import schedule, today_cache
from ..models import (
    Assessment,
    Escalation,
    Intervention,
    InterventionKind,
    MonitoringTask,
    Reminder,
    ReminderKind,
    TaskKind,
)
from .reminders import _isolated, escalation_notify, reminders_deliver_due

# --- The sweep -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    tasks_created: int
    reminders_created: int
    reminders_delivered: int
    escalations_notified: int
    tasks_missed: int = 0


def monitoring_sweep(*, now: datetime | None = None) -> SweepResult:
    """Create due tasks, create reminders, deliver what is undelivered. Safe to run twice at
    once, after a crash, or after Redis lost every queued message: the database decides."""
    now = now or timezone.now()
    missed = tasks_close_missed(now=now)
    tasks_created = tasks_create_due(now=now)
    reminders_created = reminders_create(now=now)
    delivered = reminders_deliver_due()
    notified = sum(
        _isolated(escalation_notify, escalation=e)
        for e in Escalation.objects.filter(notified_at__isnull=True).select_related(
            "course__patient__attending_clinician", "assessment"
        )
    )
    return SweepResult(tasks_created, reminders_created, delivered, notified, missed)


def _monitored_courses(now: datetime):
    """Courses in monitoring, whatever the day: the label window is a minimum and monitoring
    ends only when a clinician ends it (monitoring_end; issue 16 item 3, clinical reference
    §3), which moves the course to follow-up. Tasks and reminders go on until then."""
    today = timezone.localtime(now).date()
    return TreatmentCourse.objects.filter(stage=Stage.MONITORING, day0_date__lte=today)


def tasks_close_missed(*, now: datetime) -> int:
    """Close as missed the open tasks due before the current shift began, so that nobody
    (an outpatient least of all) shows OVERDUE tasks from days ago. Missed is a state: it
    shows in the chart and on the missed-assessment report. One conditional update."""
    shift = schedule.shift_at(timezone.localtime(now))
    return MonitoringTask.objects.filter(
        done_at__isnull=True, missed_at__isnull=True, due_at__lt=shift.start
    ).audited_update(reason=_history_reason("monitoring.tasks_missed"), missed_at=now)


def _insert_new(model, field_names: tuple[str, ...], rows: list[tuple]) -> int:
    """Insert rows whose unique key is free; returns how many went in.

    INSERT ... ON CONFLICT DO NOTHING RETURNING id (PostgreSQL, and SQLite 3.35+): the
    database skips a row whose key an earlier or a concurrent sweep already holds, and returns
    the ids of the rows it inserted, so the count is exact under concurrency without counting
    whole tables. One statement, as bulk_create makes (SQLite takes a few hundred rows each),
    the rows sorted by their key so that two sweeps take the key locks in the same order and
    cannot deadlock. A model with history gets one creation history row per inserted row,
    in one batched insert per statement (the rows are read back once, by id).
    """
    if not rows:
        return 0
    rows = sorted(rows)
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
    pk = quote(model._meta.pk.column)
    history = getattr(model, "history", None)
    inserted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [
                field.get_db_prep_save(value, connection)
                for row in chunk
                for field, value in zip(fields, row, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([one_row] * len(chunk))} ON CONFLICT DO NOTHING "
                f"RETURNING {pk}",
                params,
            )
            ids = [row[0] for row in cursor.fetchall()]
            inserted += len(ids)
            if history is not None and ids:
                history.bulk_history_create(
                    list(model._default_manager.filter(pk__in=ids).order_by("pk")),
                    default_change_reason=_history_reason("monitoring.tasks_sweep"),
                )
    return inserted


def tasks_create_due(*, now: datetime) -> int:
    """Give each monitored course an open task of each kind, in a constant number of
    queries whatever the number of patients."""
    started = (
        StageEvent.objects.filter(course=OuterRef("pk"), to_stage=Stage.MONITORING)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    latest = Assessment.objects.filter(course=OuterRef("pk")).order_by("-assessed_at", "-id")
    latest_neuro = latest.filter(neuro_assessed=True)
    icu = Intervention.objects.filter(
        course=OuterRef("pk"),
        kind__in=[InterventionKind.ICU_TRANSFER, InterventionKind.ICU_DISCHARGE],
    ).order_by("-given_at", "-id")

    def open_task(kind):
        return MonitoringTask.objects.filter(
            course=OuterRef("pk"), kind=kind, done_at__isnull=True, missed_at__isnull=True
        )

    rows = (
        _monitored_courses(now)
        .annotate(
            started_at=Subquery(started),
            last_vitals_at=Subquery(latest.values("assessed_at")[:1]),
            last_crs=Subquery(latest.values("crs_grade")[:1]),
            last_neuro_at=Subquery(latest_neuro.values("assessed_at")[:1]),
            last_icans=Subquery(latest_neuro.values("icans_grade")[:1]),
            icu_kind=Subquery(icu.values("kind")[:1]),
            has_open_vitals=Exists(open_task(TaskKind.VITALS)),
            has_open_neuro=Exists(open_task(TaskKind.NEURO)),
        )
        .values(
            "pk",
            "started_at",
            "last_vitals_at",
            "last_crs",
            "last_neuro_at",
            "last_icans",
            "icu_kind",
            "has_open_vitals",
            "has_open_neuro",
        )
    )
    created_at = timezone.now()
    shift_start = schedule.shift_at(timezone.localtime(now)).start
    new_tasks = []
    for row in rows:
        if row["started_at"] is None:
            continue
        in_icu = row["icu_kind"] == InterventionKind.ICU_TRANSFER
        for kind, last_at, has_open in (
            (TaskKind.VITALS, row["last_vitals_at"], row["has_open_vitals"]),
            (TaskKind.NEURO, row["last_neuro_at"], row["has_open_neuro"]),
        ):
            if has_open:
                continue
            interval = schedule.interval_for(
                kind=kind, crs_grade=row["last_crs"], icans_grade=row["last_icans"], in_icu=in_icu
            )
            due = schedule.next_due(
                last_done_at=last_at, interval=interval, monitoring_started_at=row["started_at"]
            )
            # A slot before this shift was closed as missed; the next one is due now.
            due = max(due, shift_start)
            new_tasks.append((row["pk"], kind, due, created_at))
    # The unique slot (course, kind, due_at) keeps a concurrent sweep from adding it twice.
    inserted = _insert_new(MonitoringTask, ("course", "kind", "due_at", "created_at"), new_tasks)
    if inserted:
        # The raw INSERT sends no post_save: the Today rows of these patients' wards are out
        # of date (today_cache.py). One query, and only when tasks went in.
        today_cache.courses_changed(sorted({row[0] for row in new_tasks}))
    return inserted


def reminders_create(*, now: datetime) -> int:
    """A "coming due" reminder shortly before each open task, an "overdue" one after it."""
    open_tasks = MonitoringTask.objects.filter(
        done_at__isnull=True, missed_at__isnull=True, course__in=_monitored_courses(now)
    )
    coming = open_tasks.filter(
        due_at__lte=now + schedule.COMING_DUE_LEAD, due_at__gt=now - schedule.OVERDUE_AFTER
    ).values_list("pk", flat=True)
    overdue = open_tasks.filter(due_at__lte=now - schedule.OVERDUE_AFTER).values_list(
        "pk", flat=True
    )
    created_at = timezone.now()
    new = [(pk, ReminderKind.COMING_DUE, created_at) for pk in coming]
    new += [(pk, ReminderKind.OVERDUE, created_at) for pk in overdue]
    # The unique (task, kind) makes each reminder once, however many sweeps run.
    return _insert_new(Reminder, ("task", "kind", "created_at"), new)


def _history_reason(code: str) -> str:
    """A history reason in English (one prose column; the chart history says it in the
    reader's language, core.system_text_legacy)."""
    return system_text.english(system_text.text(code))
