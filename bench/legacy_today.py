"""The Today list as it was before issue 20 item 2, kept only so that the benchmark can time
"today's" page beside the new one in the same run, and the golden test can compare the two
byte for byte. Not used by the application. Its templates are bench/legacy/."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.template import engines
from django.utils import timezone

from catalogue.selectors import monitoring_windows
from core.models import Ward
from core.permissions import can_read_patients, require
from core.roles import Role
from monitoring import ending, schedule
from monitoring.models import Assessment, Intervention, MonitoringTask
from monitoring.selectors import ENDING_TREATMENTS, OPEN_ESCALATIONS
from patients import rules as patient_rules
from patients.models import Stage, TreatmentCourse
from patients.selectors import courses_visible_to


@dataclass
class TodayRow:
    course: TreatmentCourse
    day_label: str
    due: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    done_this_shift: list = field(default_factory=list)
    last: Assessment | None = None
    crs_trend: str = ""
    icans_trend: str = ""
    last_icans: int | None = None
    escalations: list = field(default_factory=list)
    outpatient: bool = False
    decision: ending.EndDecision | None = None


TEMPLATES = Path(__file__).resolve().parent / "legacy"


@cache
def _template(name: str):
    return engines["django"].from_string((TEMPLATES / name).read_text(encoding="utf-8"))


def legacy_today(request):
    """The view as it was: wards queried twice, the old selector, the old templates."""
    require(can_read_patients(request.user))
    wards = (
        request.user.wards.all()
        if request.user.has_role(Role.NURSE) and not request.user.has_role(Role.CLINICIAN)
        else Ward.objects.filter(active=True)
    )
    ward = None
    code = request.GET.get("ward")
    if code:
        ward = wards.filter(code=code).first()
        if ward is None:
            raise Http404
    shift, rows = legacy_today_list(request.user, ward=ward)
    context = {
        "rows": rows,
        "shift": shift,
        "wards": wards,
        "ward": ward,
        "now": timezone.localtime(),
        "can_assess": request.user.has_role(Role.NURSE, Role.CLINICIAN),
        "legacy_rows": _template("today_rows.html"),
    }
    template = "today_rows.html" if request.headers.get("HX-Request") else "today.html"
    return HttpResponse(_template(template).render(context, request))


def legacy_today_list(user, *, ward=None, now=None):
    now = timezone.localtime(now or timezone.now())
    shift = schedule.shift_at(now)
    courses = courses_visible_to(user).filter(stage=Stage.MONITORING)
    if ward is not None:
        courses = courses.filter(patient__ward=ward)
    courses = (
        courses.select_related("patient__ward", "patient__attending_clinician", "product")
        .prefetch_related(
            Prefetch(
                "monitoring_tasks",
                queryset=MonitoringTask.objects.filter(
                    done_at__isnull=True, missed_at__isnull=True
                ).select_related("taken_by"),
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
            Prefetch(
                "interventions",
                queryset=Intervention.objects.filter(
                    kind__in=ENDING_TREATMENTS, given_at__gte=now - ending.RECENT_TREATMENT
                ),
                to_attr="recent_treatments",
            ),
        )
        .order_by("patient__ward__name", "patient__family_name")
    )
    courses = list(courses)
    latest_by_course = _latest_assessments([c.pk for c in courses])
    windows = monitoring_windows()
    discharged = set(
        TreatmentCourse.objects.filter(
            pk__in=[c.pk for c in courses], discharge__discharge_date__lte=now.date()
        ).values_list("pk", flat=True)
    )
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
            outpatient=course.pk in discharged,
        )
        if course.day0_date:
            row.decision = ending.decide(
                day0=course.day0_date,
                today=now.date(),
                window_days=windows.get(course.product_id, schedule.DEFAULT_MONITORING_DAYS),
                latest_crs=last.crs_grade if last else None,
                latest_icans=row.last_icans,
                open_escalations=len(course.open_escalations),
                recent_treatments=[
                    (t.drug or t.kind, t.given_at) for t in course.recent_treatments
                ],
                now=now,
            )
        for task in course.open_tasks:
            if task.due_at <= now - schedule.OVERDUE_AFTER:
                row.overdue.append(task)
            elif task.due_at <= now + schedule.COMING_DUE_LEAD:
                row.due.append(task)
        rows.append(row)
    rows.sort(key=lambda r: (-len(r.escalations), -len(r.overdue), -len(r.due)))
    return shift, rows


def _latest_assessments(course_ids, per_course=6):
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
    grouped: dict = {}
    for assessment in ranked:
        grouped.setdefault(assessment.course_id, []).append(assessment)
    return grouped
