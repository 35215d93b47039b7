"""Reads for the bedside: the nurses' Today list, a course's chart, open escalations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    JSONField,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, NullIf, RowNumber
from django.urls import reverse
from django.utils import timezone

from catalogue import selectors as catalogue_selectors
from core import system_text
from core.clock import local_when_formatter
from patients import rules as patient_rules
from patients.days import day_label
from patients.models import Stage, TreatmentCourse
from patients.names import patient_display_name
from patients.selectors import courses_visible_to

from . import ending, schedule
from .advice_reads import AdviceLine, advice_for, advice_for_courses  # noqa: F401  (re-exported)
from .models import (
    Assessment,
    Escalation,
    Intervention,
    InterventionKind,
    MonitoringTask,
    TaskKind,
)

OPEN_ESCALATIONS = Escalation.objects.filter(acknowledged_at__isnull=True)
# Treatments that keep monitoring going for 48 h (ending.py, clinical reference §3).
ENDING_TREATMENTS = (InterventionKind.TOCILIZUMAB, InterventionKind.CORTICOSTEROID)


def end_decision(
    course: TreatmentCourse, *, now: datetime | None = None, windows: dict | None = None
) -> ending.EndDecision:
    """May this course's monitoring end now, or must it continue, and why (ending.py)."""
    now = now or timezone.now()
    windows = catalogue_selectors.monitoring_windows() if windows is None else windows
    latest = course.assessments.order_by("-assessed_at", "-id").first()
    latest_neuro = (
        course.assessments.filter(neuro_assessed=True).order_by("-assessed_at", "-id").first()
    )
    treatments = course.interventions.filter(
        kind__in=ENDING_TREATMENTS, given_at__gte=now - ending.RECENT_TREATMENT
    ).values_list("drug", "kind", "given_at")
    return ending.decide(
        day0=course.day0_date,
        today=timezone.localtime(now).date(),
        window_days=windows.get(course.product_id, schedule.DEFAULT_MONITORING_DAYS),
        latest_crs=latest.crs_grade if latest else None,
        latest_icans=latest_neuro.icans_grade if latest_neuro else None,
        open_escalations=course.escalations.filter(acknowledged_at__isnull=True).count(),
        recent_treatments=[(drug or kind, given) for drug, kind, given in treatments],
        now=now,
    )


@dataclass(frozen=True, slots=True)
class TaskBadge:
    """A task as the Today list prints it: the kind's label and the local time, worded once."""

    kind_label: str
    when: str
    taken_by: str = ""


@dataclass(frozen=True, slots=True)
class EscalationLine:
    reason: str
    when: str


@dataclass(slots=True)
class TodayRow:
    """One patient of the Today list, in plain values (no model instances): the rows are
    rendered once and cached (monitoring/today_cache.py)."""

    course_id: int
    ward_id: int | None
    name: str
    mrn: str
    ward_name: str
    product: str
    day_label: str
    course_url: str
    assess_url: str
    crs_grade: int | None = None
    crs_trend: str = ""
    last_icans: int | None = None
    icans_trend: str = ""
    due: list[TaskBadge] = field(default_factory=list)
    overdue: list[TaskBadge] = field(default_factory=list)
    done_this_shift: list[TaskBadge] = field(default_factory=list)
    escalations: list[EscalationLine] = field(default_factory=list)
    # Discharged while monitoring continues (issue 16 item 3): shown "outpatient".
    outpatient: bool = False
    decision: ending.EndDecision | None = None

    @property
    def worst_open(self) -> int:
        return 2 if self.overdue else (1 if self.due else 0)


@dataclass(frozen=True)
class TodayList:
    shift: schedule.Shift
    rows: list[TodayRow]
    # The rows stay true until this moment unless something is written (a task comes due or
    # overdue, the shift or the day ends, a treatment leaves the 48 h): the cache's lifetime.
    fresh_until: datetime


def monitoring_ends_to_sign(user, *, now: datetime | None = None) -> list[TreatmentCourse]:
    """Courses past their label's monitoring window: the clinician reviews each on its end
    page, which says whether it may end now (ending.py), and signs. One query whatever the
    number of patients: the start page must stay flat as the programme grows (issue 20)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    windows = catalogue_selectors.monitoring_windows()
    courses = monitored_courses_for(user).filter(day0_date__isnull=False)
    return [
        course
        for course in courses.select_related("patient__ward", "product").order_by("day0_date")
        if today
        > ending.window_end(
            day0=course.day0_date,
            window_days=windows.get(course.product_id, schedule.DEFAULT_MONITORING_DAYS),
        )
    ]


def monitored_courses_for(user, *, ward=None) -> QuerySet[TreatmentCourse]:
    courses = courses_visible_to(user).filter(stage=Stage.MONITORING)
    if ward is not None:
        courses = courses.filter(patient__ward=ward)
    return courses


def _url_maker(name: str):
    """reverse() once per page, then the course id put in by string formatting: 70 reverse
    calls were a tenth of the page (issue 20 item 2)."""
    marker = 987654321
    pattern = reverse(name, args=[marker]).replace(str(marker), "{}")
    return pattern.format


def _user_name(first: str, last: str, username: str) -> str:
    """As core.models.User.__str__ prints it, from values."""
    return f"{first} {last}".strip() or username


def today_list(user, *, ward=None, now: datetime | None = None) -> TodayList:
    """Every monitored patient the user may see, with tasks due, overdue and done this shift,
    the last grades and their trend, and unacknowledged escalations. A constant number of
    queries (four) whatever the number of patients or their history; values, not instances."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    shift = schedule.shift_at(now)
    courses = list(
        monitored_courses_for(user, ward=ward)
        .annotate(
            outpatient=ExpressionWrapper(
                Q(discharge__discharge_date__lte=today), output_field=BooleanField()
            ),
        )
        .order_by("patient__ward__name", "patient__family_name", "pk")
        .values_list(
            "pk",
            "day0_date",
            "product__short_name",
            "patient__family_name",
            "patient__given_name",
            "patient__mrn",
            "patient__ward_id",
            "patient__ward__name",
            "outpatient",
            # The product label's window (as monitoring_windows()), through the product's
            # reverse relation: one join, nothing imported from eligibility.
            "product__label__monitoring_window_days",
        )
    )
    ids = [c[0] for c in courses]
    fresh_until = min(
        shift.end,
        datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo),
    )
    # Each kind's label translated once, not once per badge (lazy strings).
    kinds = {kind: str(label) for kind, label in TaskKind.choices}
    when = local_when_formatter(now=now)
    open_tasks: dict[int, list] = {}
    done: dict[int, list[TaskBadge]] = {}
    tasks = (
        MonitoringTask.objects.filter(course_id__in=ids)
        .filter(
            Q(done_at__isnull=True, missed_at__isnull=True)
            | Q(done_at__gte=shift.start, done_at__lt=shift.end)
        )
        .order_by("due_at", "id")
        .values_list(
            "course_id",
            "kind",
            "due_at",
            "done_at",
            "missed_at",
            "taken_by__first_name",
            "taken_by__last_name",
            "taken_by__username",
        )
    )
    for course_id, kind, due_at, done_at, missed_at, first, last, username in tasks:
        if done_at is None and missed_at is None:
            taken = _user_name(first, last, username) if username else ""
            open_tasks.setdefault(course_id, []).append((kind, due_at, taken))
        else:
            done.setdefault(course_id, []).append(TaskBadge(kinds.get(kind, kind), when(done_at)))
    escalations: dict[int, list[EscalationLine]] = {}
    treatments: dict[int, list] = {}
    for course_id, is_escalation, text, codes, moment, _pk in _reasons_to_continue(ids, now=now):
        if is_escalation:
            # Said now, in the language the rows are cached for (today_cache keys on it).
            shown = system_text.say(codes) or text
            escalations.setdefault(course_id, []).append(EscalationLine(shown, when(moment)))
        else:
            treatments.setdefault(course_id, []).append((text, moment))
            gone_at = moment + ending.RECENT_TREATMENT if moment <= now else moment
            fresh_until = min(fresh_until, gone_at)
    grades = _latest_grades(ids)
    course_url = _url_maker("monitoring:course")
    assess_url = _url_maker("monitoring:assess")
    rows = []
    for (
        pk,
        day0,
        product,
        family,
        given,
        mrn,
        ward_id,
        ward_name,
        outpatient,
        window_days,
    ) in courses:
        history = grades.get(pk, [])
        last = history[0] if history else None
        previous = history[1] if len(history) > 1 else None
        neuro = [icans for _crs, icans, assessed in history if assessed]
        n = patient_rules.day_number(day0=day0, on=today) if day0 else None
        row = TodayRow(
            course_id=pk,
            ward_id=ward_id,
            name=patient_display_name(family, given),
            mrn=mrn,
            ward_name=ward_name or "",
            product=product,
            day_label=day_label(n) if n is not None else "",
            course_url=course_url(pk),
            assess_url=assess_url(pk),
            crs_grade=last[0] if last else None,
            crs_trend=schedule.trend(previous[0] if previous else None, last[0] if last else None),
            last_icans=neuro[0] if neuro else None,
            icans_trend=schedule.trend(
                neuro[1] if len(neuro) > 1 else None, neuro[0] if neuro else None
            ),
            escalations=escalations.get(pk, []),
            done_this_shift=done.get(pk, []),
            outpatient=bool(outpatient),
        )
        if day0:
            row.decision = ending.decide(
                day0=day0,
                today=today,
                window_days=window_days or schedule.DEFAULT_MONITORING_DAYS,
                latest_crs=row.crs_grade,
                latest_icans=row.last_icans,
                open_escalations=len(row.escalations),
                recent_treatments=treatments.get(pk, []),
                now=now,
            )
        for kind, due_at, taken in open_tasks.get(pk, []):
            overdue_from = due_at + schedule.OVERDUE_AFTER
            due_from = due_at - schedule.COMING_DUE_LEAD
            if overdue_from <= now:
                row.overdue.append(TaskBadge(kinds.get(kind, kind), when(due_at), taken))
            elif due_from <= now:
                row.due.append(TaskBadge(kinds.get(kind, kind), when(due_at), taken))
                fresh_until = min(fresh_until, overdue_from)
            else:  # not shown yet: only when it will be
                fresh_until = min(fresh_until, due_from)
        rows.append(row)
    rows.sort(key=lambda r: (-len(r.escalations), -len(r.overdue), -len(r.due)))
    return TodayList(shift=shift, rows=rows, fresh_until=fresh_until)


def _reasons_to_continue(ids: list[int], *, now: datetime):
    """Open escalations (newest first) and tocilizumab or steroids of the last 48 h, the
    reasons to keep monitoring that the list shows or counts, in one query (UNION ALL):
    (course id, is an escalation, reason or drug, the reason's codes, when, id)."""
    escalations = (
        OPEN_ESCALATIONS.filter(course_id__in=ids)
        .annotate(
            is_escalation=Value(True),
            text=F("reason"),
            codes=F("reason_codes"),
            moment=F("created_at"),
        )
        .values_list("course_id", "is_escalation", "text", "codes", "moment", "pk")
        .order_by()
    )
    treatments = (
        Intervention.objects.filter(
            course_id__in=ids,
            kind__in=ENDING_TREATMENTS,
            given_at__gte=now - ending.RECENT_TREATMENT,
        )
        .annotate(
            is_escalation=Value(False),
            text=Coalesce(NullIf(F("drug"), Value("")), F("kind")),
            codes=Value(None, output_field=JSONField()),
            moment=F("given_at"),
        )
        .values_list("course_id", "is_escalation", "text", "codes", "moment", "pk")
        .order_by()
    )
    # Escalation order as their model's (newest first, then the higher id).
    return escalations.union(treatments, all=True).order_by("-moment", "-pk")


def _latest_grades(course_ids: list[int], per_course: int = 6) -> dict[int, list[tuple]]:
    """(CRS grade, ICANS grade, neuro assessed) of the few most recent assessments of each
    course, newest first, in one query, as values."""
    if not course_ids:
        return {}
    grouped: dict[int, list[tuple]] = {}
    for course_id, crs, icans, neuro in (
        _latest_grades_lateral(course_ids, per_course)
        if connection.vendor == "postgresql"
        else _latest_grades_ranked(course_ids, per_course)
    ):
        grouped.setdefault(course_id, []).append((crs, icans, neuro))
    return grouped


def _latest_grades_lateral(course_ids: list[int], per_course: int) -> list[tuple]:
    """PostgreSQL: the few newest rows of each course read down the (course, assessed_at)
    index (LATERAL ... LIMIT), where the window function read and ranked every assessment of
    every course (1,600 rows for a ward of 35; issue 20 item 2). Raw SQL: the ORM has no
    LATERAL join. Ordered as _latest_grades_ranked."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, a.crs_grade, a.icans_grade, a.neuro_assessed "
            "FROM unnest(%s::bigint[]) AS c(id) CROSS JOIN LATERAL ("
            f"SELECT crs_grade, icans_grade, neuro_assessed, assessed_at, id FROM {table} "
            "WHERE course_id = c.id ORDER BY assessed_at DESC, id DESC LIMIT %s) a "
            "ORDER BY c.id, a.assessed_at DESC, a.id DESC",
            [list(course_ids), per_course],
        )
        return cursor.fetchall()


def _latest_grades_ranked(course_ids: list[int], per_course: int):
    """Any database: a window function ranks each course's assessments."""
    return (
        Assessment.objects.filter(course_id__in=course_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("course_id")],
                order_by=[F("assessed_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_course)
        .order_by("course_id", "rank")
        .values_list("course_id", "crs_grade", "icans_grade", "neuro_assessed")
    )


def course_chart_data(course: TreatmentCourse) -> dict:
    """Series for the monitoring chart, in days since infusion (Day 0 at local midnight)."""
    day0 = course.day0_date
    tz = timezone.get_current_timezone()
    origin = datetime.combine(day0, datetime.min.time(), tzinfo=tz) if day0 else None

    def day_of(moment):
        if origin is None:
            return None
        return round((moment - origin).total_seconds() / 86400, 3)

    assessments = course.assessments.order_by("assessed_at").values(
        "assessed_at",
        "temperature_c",
        "systolic_bp_mmhg",
        "diastolic_bp_mmhg",
        "crs_grade",
        "icans_grade",
    )
    interventions = course.interventions.order_by("given_at").values(
        "given_at", "kind", "drug", "dose_mg"
    )
    kinds = dict(Intervention._meta.get_field("kind").choices)
    return {
        "day0": day0.isoformat() if day0 else None,
        "points": [
            {
                "day": day_of(a["assessed_at"]),
                "time": timezone.localtime(a["assessed_at"]).isoformat(),
                "temperature_c": float(a["temperature_c"]),
                "systolic_bp_mmhg": a["systolic_bp_mmhg"],
                "diastolic_bp_mmhg": a["diastolic_bp_mmhg"],
                "crs_grade": a["crs_grade"],
                "icans_grade": a["icans_grade"],
            }
            for a in assessments
        ],
        "interventions": [
            {
                "day": day_of(i["given_at"]),
                "time": timezone.localtime(i["given_at"]).isoformat(),
                "kind": i["kind"],
                "label": str(kinds.get(i["kind"], i["kind"]))
                + (f" {i['dose_mg']:g} mg" if i["dose_mg"] is not None else ""),
            }
            for i in interventions
        ],
    }


def missed_tasks_for(user) -> QuerySet[MonitoringTask]:
    """Tasks closed as missed on the patients the user may see (missed-assessment report)."""
    return (
        MonitoringTask.objects.filter(
            missed_at__isnull=False, course__in=courses_visible_to(user).values("pk")
        )
        .select_related("course__patient__ward", "course__product")
        .order_by("-due_at", "-id")
    )


def open_escalations_for(user) -> QuerySet[Escalation]:
    return (
        OPEN_ESCALATIONS.filter(course__in=courses_visible_to(user).values("pk"))
        .select_related(
            "course__patient", "course__product", "assessment", "assessment__recorded_by"
        )
        .order_by("-created_at")
    )
