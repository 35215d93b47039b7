"""Reads for the bedside: the nurses' Today list, a course's chart, open escalations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from patients import rules as patient_rules
from patients.models import Stage, TreatmentCourse
from patients.selectors import courses_visible_to

from . import schedule
from .models import Assessment, Escalation, Intervention, MonitoringTask

OPEN_ESCALATIONS = Escalation.objects.filter(acknowledged_at__isnull=True)


@dataclass
class TodayRow:
    course: TreatmentCourse
    day_label: str
    due: list[MonitoringTask] = field(default_factory=list)
    overdue: list[MonitoringTask] = field(default_factory=list)
    done_this_shift: list[MonitoringTask] = field(default_factory=list)
    last: Assessment | None = None
    crs_trend: str = ""
    icans_trend: str = ""
    last_icans: int | None = None
    escalations: list[Escalation] = field(default_factory=list)

    @property
    def worst_open(self) -> int:
        return 2 if self.overdue else (1 if self.due else 0)


def monitored_courses_for(user, *, ward=None) -> QuerySet[TreatmentCourse]:
    courses = courses_visible_to(user).filter(stage=Stage.MONITORING)
    if ward is not None:
        courses = courses.filter(patient__ward=ward)
    return courses.select_related("patient__ward", "patient__attending_clinician", "product")


def today_list(user, *, ward=None, now: datetime | None = None) -> tuple[schedule.Shift, list]:
    """Every monitored patient the user may see, with tasks due, overdue and done this shift,
    the last grades and their trend, and unacknowledged escalations. The number of queries
    does not depend on the number of patients or on how much history they have."""
    now = timezone.localtime(now or timezone.now())
    shift = schedule.shift_at(now)
    courses = (
        monitored_courses_for(user, ward=ward)
        .prefetch_related(
            Prefetch(
                "monitoring_tasks",
                queryset=MonitoringTask.objects.filter(done_at__isnull=True).select_related(
                    "taken_by"
                ),
                to_attr="open_tasks",
            ),
            Prefetch(
                "monitoring_tasks",
                queryset=MonitoringTask.objects.filter(
                    done_at__gte=shift.start, done_at__lt=shift.end
                ),
                to_attr="shift_done",
            ),
            Prefetch(
                "escalations",
                queryset=OPEN_ESCALATIONS.select_related("assessment"),
                to_attr="open_escalations",
            ),
        )
        .order_by("patient__ward__name", "patient__family_name")
    )
    courses = list(courses)
    latest_by_course = _latest_assessments([c.pk for c in courses])
    rows = []
    for course in courses:
        history = latest_by_course.get(course.pk, [])
        last = history[0] if history else None
        previous = history[1] if len(history) > 1 else None
        neuro = [a for a in history if a.neuro_assessed]
        n = (
            patient_rules.day_number(day0=course.day0_date, on=now.date())
            if course.day0_date
            else None
        )
        row = TodayRow(
            course=course,
            day_label=patient_rules.format_day(n) if n is not None else "",
            last=last,
            crs_trend=schedule.trend(
                previous.crs_grade if previous else None, last.crs_grade if last else None
            ),
            last_icans=neuro[0].icans_grade if neuro else None,
            icans_trend=schedule.trend(
                neuro[1].icans_grade if len(neuro) > 1 else None,
                neuro[0].icans_grade if neuro else None,
            ),
            escalations=course.open_escalations,
            done_this_shift=course.shift_done,
        )
        for task in course.open_tasks:
            if task.due_at <= now - schedule.OVERDUE_AFTER:
                row.overdue.append(task)
            elif task.due_at <= now + schedule.COMING_DUE_LEAD:
                row.due.append(task)
        rows.append(row)
    rows.sort(key=lambda r: (-len(r.escalations), -len(r.overdue), -len(r.due)))
    return shift, rows


def _latest_assessments(course_ids: list[int], per_course: int = 6) -> dict[int, list]:
    """The few most recent assessments of each course, in one query (window function)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    if not course_ids:
        return {}
    ranked = (
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
    )
    grouped: dict[int, list] = {}
    for assessment in ranked:
        grouped.setdefault(assessment.course_id, []).append(assessment)
    return grouped


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


def open_escalations_for(user) -> QuerySet[Escalation]:
    return (
        OPEN_ESCALATIONS.filter(course__in=courses_visible_to(user).values("pk"))
        .select_related("course__patient", "assessment", "assessment__recorded_by")
        .order_by("-created_at")
    )
