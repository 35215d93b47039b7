"""Reads for the bedside: the nurses' Today list, a course's chart, open escalations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.clock import local_when
from infusion import dosing
from patients import rules as patient_rules
from patients.models import Stage, TreatmentCourse
from patients.selectors import courses_visible_to

from . import advice, ending, schedule
from .catalogue import ManagementAdvice
from .models import Assessment, Escalation, Intervention, InterventionKind, MonitoringTask
from .wording import advice_because_text

OPEN_ESCALATIONS = Escalation.objects.filter(acknowledged_at__isnull=True)
# Treatments that keep monitoring going for 48 h (ending.py, clinical reference §3).
ENDING_TREATMENTS = (InterventionKind.TOCILIZUMAB, InterventionKind.CORTICOSTEROID)


def monitoring_windows() -> dict[int, int]:
    """Label window (days) by product id; products without label data use the default."""
    from eligibility.models import ProductLabel  # the catalogue's label data

    return dict(ProductLabel.objects.values_list("product_id", "monitoring_window_days"))


def end_decision(
    course: TreatmentCourse, *, now: datetime | None = None, windows: dict | None = None
) -> ending.EndDecision:
    """May this course's monitoring end now, or must it continue, and why (ending.py)."""
    now = now or timezone.now()
    windows = monitoring_windows() if windows is None else windows
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
    # Discharged while monitoring continues (issue 16 item 3): shown "outpatient".
    outpatient: bool = False
    decision: ending.EndDecision | None = None

    @property
    def worst_open(self) -> int:
        return 2 if self.overdue else (1 if self.due else 0)


def monitoring_ends_to_sign(user, *, now: datetime | None = None) -> list[TreatmentCourse]:
    """Courses past their label window whose monitoring may end now (ending.py): a
    clinician signs the end. Only those past the window are evaluated."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    windows = monitoring_windows()
    due = []
    for course in monitored_courses_for(user).filter(day0_date__isnull=False):
        window = windows.get(course.product_id, schedule.DEFAULT_MONITORING_DAYS)
        if today <= ending.window_end(day0=course.day0_date, window_days=window):
            continue
        if end_decision(course, now=now, windows=windows).may_end:
            due.append(course)
    return due


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
    discharged = _discharged_on(courses, today=now.date())
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


def _discharged_on(courses, *, today) -> set[int]:
    """Ids of the courses whose patient has left the ward (followup's discharge record),
    in one query; read through the course's reverse relation, not follow-up's code."""
    return set(
        TreatmentCourse.objects.filter(
            pk__in=[c.pk for c in courses], discharge__discharge_date__lte=today
        ).values_list("pk", flat=True)
    )


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


# --- Management advice (advice.py; catalogue rows monitoring.ManagementAdvice) --------------


@dataclass(frozen=True)
class AdviceLine:
    key: str
    text: str
    because: str
    source: str
    verified: bool
    detail: str = ""


def advice_for(
    course: TreatmentCourse,
    *,
    now: datetime | None = None,
    crs_grade: int | None = None,
    icans_grade: int | None = None,
) -> list[AdviceLine]:
    """The advice beside the course's current grades (or the grades being previewed):
    advice only, the clinician decides; each line with its source (issue 16 item 4)."""
    now = now or timezone.now()
    history = list(course.assessments.values_list("assessed_at", "crs_grade"))
    if crs_grade is None and history:
        crs_grade = max(history)[1]
    if icans_grade is None:
        icans_grade = (
            course.assessments.filter(neuro_assessed=True)
            .order_by("-assessed_at", "-id")
            .values_list("icans_grade", flat=True)
            .first()
        )
    doses = list(
        course.interventions.filter(
            kind=InterventionKind.TOCILIZUMAB, given_at__lte=now
        ).values_list("given_at", flat=True)
    )
    allowed = dosing.tocilizumab_dose_allowed(given_at=doses, at=now)
    rows = {row.key: row for row in ManagementAdvice.objects.filter(active=True)}
    levetiracetam = rows.get(advice.LEVETIRACETAM)
    suggestions = advice.advise(
        crs_grade=crs_grade,
        icans_grade=icans_grade,
        crs_history=history,
        tocilizumab_given_at=doses,
        tocilizumab_allowed=allowed.allowed,
        now=now,
        levetiracetam_for_product=bool(
            levetiracetam and course.product.short_name in (levetiracetam.products or [])
        ),
    )
    lines = []
    for suggestion in suggestions:
        row = rows.get(suggestion.key)
        if row is None:
            continue  # switched off by an administrator
        detail = ""
        if suggestion.key == advice.TOCILIZUMAB:
            dose = dosing.tocilizumab_dose(weight_kg=float(course.patient.weight_kg))
            detail = _("For %(kg)s kg: %(mg)s mg (%(calc)s).") % {
                "kg": course.patient.weight_kg,
                "mg": f"{dose.dose_mg:g}",
                "calc": dose.calculation,
            }
        elif suggestion.key == advice.TOCILIZUMAB_LIMIT:
            detail = allowed.reason
            if allowed.next_allowed_at:
                detail += " " + _("Next dose allowed from %(when)s.") % {
                    "when": local_when(allowed.next_allowed_at)
                }
        lines.append(
            AdviceLine(
                key=suggestion.key,
                text=row.text(),
                because=advice_because_text(suggestion.because, suggestion.params),
                source=row.source,
                verified=row.verified,
                detail=detail,
            )
        )
    return lines
