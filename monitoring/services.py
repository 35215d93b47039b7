"""Every write of the monitoring stage: assessments, interventions, tasks, reminders,
escalations. Views, API, admin and Celery tasks call these and nothing else."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import messaging
from core.clock import local_when
from core.messaging import in_language_of
from core.models import Notification, User, Ward
from core.permissions import is_his_interface
from core.roles import Role
from core.services import notification_send, notifications_settle
from infusion import dosing
from patients import rules as patient_rules
from patients import services as patient_services
from patients.models import Stage, StageEvent, TransferSource, TreatmentCourse
from patients.selectors import user_can_see_patient

from . import grading, schedule, vitals
from . import labs as lab_rules
from .catalogue import VitalSignThreshold
from .models import (
    Assessment,
    Escalation,
    Intervention,
    InterventionKind,
    LabResult,
    LabSource,
    MonitoringTask,
    Reminder,
    ReminderKind,
    TaskKind,
)

logger = logging.getLogger(__name__)

# Assessments are recorded while the cells go in and during the monitoring window.
ASSESSABLE_STAGES = frozenset({Stage.INFUSION, Stage.MONITORING})
BEDSIDE_ROLES = (Role.NURSE, Role.CLINICIAN)
# A bedside clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)

ICE_ITEMS = ("ice_orientation", "ice_naming", "ice_commands", "ice_writing", "ice_attention")


def _require_bedside(by: User, course: TreatmentCourse) -> None:
    if not by.has_role(*BEDSIDE_ROLES):
        raise PermissionDenied(_("Only nurses and clinicians record bedside care."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("This patient is not on your wards."))


# --- Grading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grades:
    crs: grading.GradeResult
    icans: grading.GradeResult | None
    ice_score: int | None
    # Where the measured vital signs overrode the nurse's boxes (monitoring/vitals.py).
    vitals_findings: tuple[vitals.Finding, ...] = ()

    @property
    def vitals_findings_json(self) -> list[dict]:
        return [{"code": f.code, "params": f.params} for f in self.vitals_findings]


def vital_thresholds() -> vitals.VitalThresholds:
    """The catalogue's thresholds; a row missing falls back to the seeded default."""
    rows = dict(VitalSignThreshold.objects.values_list("key", "value"))
    defaults = vitals.DEFAULT_THRESHOLDS
    return vitals.VitalThresholds(
        **{
            name: float(rows.get(name, getattr(defaults, name)))
            for name in vitals.VitalThresholds.__dataclass_fields__
        }
    )


def grade_values(
    *, age_years: int, values: dict, thresholds: vitals.VitalThresholds | None = None
) -> Grades:
    """Grade a set of bedside values; ValueError is turned into field errors.

    Hypotension and hypoxia are the worse of the nurse's boxes and the measured values
    (vitals.derive, issue 16 item 2); the ASTCT grading receives the result unchanged."""
    derived = vitals.derive(
        age_years=age_years,
        systolic_mmhg=_float_or_none(values.get("systolic_bp_mmhg")),
        diastolic_mmhg=_float_or_none(values.get("diastolic_bp_mmhg")),
        spo2_percent=_float_or_none(values.get("spo2_percent")),
        hypotension_ticked=bool(values.get("hypotension")),
        oxygen_device=values.get("oxygen_device") or "room_air",
        oxygen_flow_l_min=_float_or_none(values.get("oxygen_flow_l_min")),
        thresholds=thresholds or vital_thresholds(),
    )
    crs = _grade(
        grading.grade_crs_with_reason,
        temperature_c=float(values["temperature_c"]),
        fever_masked=bool(values.get("fever_masked")),
        hypotension=derived.hypotension,
        vasopressors=list(values.get("vasopressors") or []),
        oxygen_device=derived.oxygen_device,
        oxygen_flow_l_min=derived.oxygen_flow_l_min,
    )
    if not values.get("neuro_assessed"):
        return Grades(crs=crs, icans=None, ice_score=None, vitals_findings=derived.findings)
    items = [values.get(name) for name in ICE_ITEMS]
    child = grading.required_ice_for_age(age_years) == "capd"
    ice_score = None if child or any(v is None for v in items) else sum(int(v) for v in items)
    icans = _grade(
        grading.grade_icans_with_reason,
        age_years=age_years,
        ice_score=ice_score,
        capd_score=values.get("capd_score") if child else None,
        consciousness=values.get("consciousness") or "",
        seizure=values.get("seizure") or "none",
        motor_weakness=values.get("motor_weakness") or "none",
        cerebral_edema=values.get("cerebral_edema") or "none",
    )
    return Grades(crs=crs, icans=icans, ice_score=ice_score, vitals_findings=derived.findings)


def _float_or_none(value):
    return None if value in (None, "") else float(value)


# Grading names fields by the grading interface; the form names some differently.
_FIELD_FOR = {"ice_score": "ice_orientation", "oxygen_flow_l_min": "oxygen_flow_l_min"}


def _grade(function, **kwargs):
    try:
        return function(**kwargs)
    except ValueError as error:
        message = str(error)
        field = message.split(" ", 1)[0].strip(":")
        field = _FIELD_FOR.get(field, field)
        raise ValidationError(
            {field if field in _ASSESSMENT_FIELDS else "__all__": message}
        ) from None


_ASSESSMENT_FIELDS = {f.name for f in Assessment._meta.get_fields()}


# --- Assessments ---------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *, by: User, course: TreatmentCourse, assessed_at: datetime, **values
) -> Assessment:
    """Record a bedside assessment: grade it, close the tasks it answers, plan the next ones,
    and escalate a grade of 2 or more, or any rise, to the attending clinician."""
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    _require_bedside(by, course)
    if course.stage not in ASSESSABLE_STAGES:
        raise ValidationError(
            _(
                "Assessments are recorded during infusion and monitoring; "
                "this course is in %(stage)s."
            )
            % {"stage": course.get_stage_display()}
        )
    now = timezone.now()
    if assessed_at > now + CLOCK_SKEW:
        raise ValidationError({"assessed_at": _("The assessment time cannot be in the future.")})
    if course.day0_date and timezone.localtime(assessed_at).date() < course.day0_date:
        raise ValidationError({"assessed_at": _("The assessment time is before Day 0.")})
    age = patient_rules.age_in_years(
        date_of_birth=course.patient.date_of_birth, on=timezone.localtime(assessed_at).date()
    )
    if not values.get("neuro_assessed"):
        for name in (*ICE_ITEMS, "capd_score", "consciousness"):
            values.pop(name, None)
    grades = grade_values(age_years=age, values=values)
    previous = (
        course.assessments.filter(assessed_at__lte=assessed_at)
        .order_by("-assessed_at", "-id")
        .first()
    )
    assessment = Assessment(
        course=course,
        assessed_at=assessed_at,
        recorded_by=by,
        ice_score=grades.ice_score,
        crs_grade=grades.crs.grade,
        crs_reason="; ".join(grades.crs.reasons)[:300],
        vitals_findings=grades.vitals_findings_json,
        icans_grade=grades.icans.grade if grades.icans else None,
        icans_reason="; ".join(grades.icans.reasons)[:300] if grades.icans else "",
        **values,
    )
    assessment.full_clean()
    assessment._history_user = by
    assessment.save()
    _complete_and_replan_tasks(course, assessment)
    _escalate_if_needed(course, assessment, previous)
    return assessment


def _complete_and_replan_tasks(course: TreatmentCourse, assessment: Assessment) -> None:
    kinds = [TaskKind.VITALS] + ([TaskKind.NEURO] if assessment.neuro_assessed else [])
    MonitoringTask.objects.filter(
        course=course, kind__in=kinds, done_at__isnull=True, missed_at__isnull=True
    ).audited_update(
        by=assessment.recorded_by, done_at=assessment.assessed_at, done_by_assessment=assessment
    )
    if course.stage != Stage.MONITORING:
        return
    crs, icans = _current_grades(course)
    in_icu = _in_icu(course)
    for kind in kinds:
        interval = schedule.interval_for(kind=kind, crs_grade=crs, icans_grade=icans, in_icu=in_icu)
        MonitoringTask.objects.get_or_create(
            course=course, kind=kind, due_at=assessment.assessed_at + interval
        )


def _current_grades(course: TreatmentCourse) -> tuple[int | None, int | None]:
    latest = course.assessments.order_by("-assessed_at", "-id").first()
    latest_neuro = (
        course.assessments.filter(neuro_assessed=True).order_by("-assessed_at", "-id").first()
    )
    return (
        latest.crs_grade if latest else None,
        latest_neuro.icans_grade if latest_neuro else None,
    )


def _in_icu(course: TreatmentCourse) -> bool:
    last = (
        course.interventions.filter(
            kind__in=[InterventionKind.ICU_TRANSFER, InterventionKind.ICU_DISCHARGE]
        )
        .order_by("-given_at", "-id")
        .first()
    )
    return last is not None and last.kind == InterventionKind.ICU_TRANSFER


# A grade that stays at 2 or more is raised again only after this long without an escalation
# (institutional default — review); any rise is raised at once, every time.
SUSTAINED_GRADE_REESCALATE_AFTER = timedelta(hours=12)


def escalation_reason(
    *, previous: Assessment | None, assessment: Assessment, recently_escalated: bool = False
) -> str:
    """Why an assessment must reach the clinician now, or "" when it need not."""
    reasons = []
    prev_crs = previous.crs_grade if previous else 0
    prev_icans = previous.icans_grade if previous and previous.icans_grade is not None else 0
    crs_rose = assessment.crs_grade > prev_crs
    icans_rose = assessment.icans_grade is not None and assessment.icans_grade > prev_icans
    sustained = not recently_escalated and (
        assessment.crs_grade >= 2 or (assessment.icans_grade or 0) >= 2
    )
    if crs_rose or (sustained and assessment.crs_grade >= 2):
        reasons.append(
            _("CRS grade %(new)s (was %(old)s)") % {"new": assessment.crs_grade, "old": prev_crs}
        )
    if icans_rose or (sustained and (assessment.icans_grade or 0) >= 2):
        reasons.append(
            _("ICANS grade %(new)s (was %(old)s)")
            % {"new": assessment.icans_grade, "old": prev_icans}
        )
    return "; ".join(reasons)


def _escalate_if_needed(course, assessment, previous) -> None:
    recently = course.escalations.filter(
        created_at__gte=timezone.now() - SUSTAINED_GRADE_REESCALATE_AFTER
    ).exists()
    reason = escalation_reason(
        previous=previous, assessment=assessment, recently_escalated=recently
    )
    if not reason:
        return
    escalation = Escalation(course=course, assessment=assessment, reason=reason[:300])
    escalation._history_user = assessment.recorded_by
    escalation.save()
    escalation_notify(escalation=escalation)


def escalation_notify(*, escalation: Escalation) -> bool:
    """Tell the attending clinician, once: the claim on notified_at makes a retry harmless."""
    with transaction.atomic():
        claimed = Escalation.objects.filter(
            pk=escalation.pk, notified_at__isnull=True
        ).audited_update(notified_at=timezone.now())
        if claimed != 1:
            return False
        course = escalation.course
        patient = course.patient
        recipient = patient.attending_clinician
        with in_language_of(recipient):
            notification_send(
                recipient=recipient,
                subject=_("Escalation: %(patient)s – %(reason)s")
                % {"patient": f"{patient.display_name} {patient.mrn}", "reason": escalation.reason},
                email_subject=_("A patient needs your review (escalation)"),
                body="; ".join(
                    part
                    for part in (
                        escalation.assessment.crs_reason,
                        escalation.assessment.vitals_note,
                    )
                    if part
                ),
                link=reverse("monitoring:course", args=[course.pk]),
                source_key=f"escalation:{escalation.pk}",
            )
    return True


@transaction.atomic
def escalation_acknowledge(*, by: User, escalation: Escalation, note: str = "") -> Escalation:
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians acknowledge escalations."))
    current = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if current.acknowledged_at is not None:
        raise ValidationError(
            _("Already acknowledged by %(who)s.") % {"who": current.acknowledged_by}
        )
    current.acknowledged_by = by
    current.acknowledged_at = timezone.now()
    current.acknowledgement_note = note.strip()
    current._history_user = by
    current.save()
    notifications_settle(source_key=f"escalation:{current.pk}")
    return current


# --- Interventions -------------------------------------------------------------------------


@transaction.atomic
def intervention_record(
    *,
    by: User,
    course: TreatmentCourse,
    kind: str,
    given_at: datetime,
    assessment: Assessment | None = None,
    drug: str = "",
    dose_mg: Decimal | None = None,
    route: str = "",
    notes: str = "",
    to_ward: Ward | None = None,
) -> Intervention:
    """Record a treatment for CRS/ICANS. Tocilizumab follows the label: weight-based dose with
    its cap, at most 3 doses in 24 h and 4 in all, at least 8 h apart.

    An ICU transfer (or return) with `to_ward` also moves the patient there through the ward
    transfer service, so the ICU nurses see her and her reminders go to them."""
    course = TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    _require_bedside(by, course)
    if course.stage not in ASSESSABLE_STAGES:
        raise ValidationError(_("This course is not in monitoring."))
    if given_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"given_at": _("The time given cannot be in the future.")})
    if assessment is not None and assessment.course_id != course.pk:
        raise ValidationError({"assessment": _("That assessment belongs to another course.")})
    if kind == InterventionKind.TOCILIZUMAB:
        dose_mg = _check_tocilizumab(course, given_at, dose_mg)
        drug = "tocilizumab"
        route = route or "IV"
    elif kind in (
        InterventionKind.CORTICOSTEROID,
        InterventionKind.ANAKINRA,
        InterventionKind.VASOPRESSOR,
    ):
        if kind == InterventionKind.ANAKINRA:
            drug = "anakinra"
        if not drug.strip():
            raise ValidationError({"drug": _("Name the drug.")})
        if kind != InterventionKind.VASOPRESSOR and dose_mg is None:
            raise ValidationError({"dose_mg": _("Enter the dose in mg.")})
    intervention = Intervention(
        course=course,
        assessment=assessment,
        kind=kind,
        given_at=given_at,
        drug=drug.strip(),
        dose_mg=dose_mg,
        route=route,
        notes=notes,
        recorded_by=by,
    )
    if to_ward is not None and kind not in (
        InterventionKind.ICU_TRANSFER,
        InterventionKind.ICU_DISCHARGE,
    ):
        raise ValidationError({"to_ward": _("Only an ICU transfer or return moves the ward.")})
    intervention.full_clean()
    intervention._history_user = by
    intervention.save()
    if to_ward is not None:
        patient_services.patient_transfer(
            by=by,
            patient=course.patient,
            to_ward=to_ward,
            reason=notes.strip() or intervention.get_kind_display(),
            transferred_at=min(given_at, timezone.now()),
            source=TransferSource.MONITORING,
        )
    if kind in (InterventionKind.ICU_TRANSFER, InterventionKind.ICU_DISCHARGE):
        _replan_open_tasks(course)
    return intervention


@transaction.atomic
def lab_result_record(
    *,
    by: User,
    course: TreatmentCourse,
    analyte: str,
    value: Decimal | str,
    measured_at: datetime,
    unit: str = "",
    source: str = LabSource.TYPED,
    external_key: str = "",
) -> LabResult:
    """A monitoring lab value (CRP, ferritin, fibrinogen, ANC, platelets), typed at the
    bedside or received from the lab system; converted to its canonical unit. A result the
    lab sends twice (same key) is stored once."""
    if source == LabSource.LAB_SYSTEM:
        if not is_his_interface(by):
            raise PermissionDenied(_("Only the hospital interface records lab-system results."))
    else:
        _require_bedside(by, course)
    if external_key:
        existing = LabResult.objects.filter(external_key=external_key).first()
        if existing is not None:
            return existing
    if not course.is_open:
        raise ValidationError(_("This course has ended."))
    if measured_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"measured_at": _("The sample time cannot be in the future.")})
    try:
        number = lab_rules.canonical_value(analyte, value, unit)
    except lab_rules.LabValueError as error:
        raise ValidationError({"value": str(error)}) from None
    result = LabResult(
        course=course,
        analyte=analyte,
        value=number,
        measured_at=measured_at,
        source=source,
        external_key=external_key[:120],
        recorded_by=by,
    )
    result.full_clean()
    result._history_user = by
    result.save()
    return result


def tocilizumab_recommended_dose(course: TreatmentCourse) -> dosing.DoseResult:
    return dosing.tocilizumab_dose(weight_kg=float(course.patient.weight_kg))


def _check_tocilizumab(course, given_at, dose_mg):
    recommended = tocilizumab_recommended_dose(course)
    if dose_mg is None:
        dose_mg = Decimal(str(recommended.dose_mg))
    elif dose_mg <= 0 or float(dose_mg) > recommended.dose_mg:
        raise ValidationError(
            {
                "dose_mg": _(
                    "Tocilizumab dose must be above 0 and at most %(max)s mg for %(kg)s kg "
                    "(8 mg/kg, 12 mg/kg under 30 kg, never above 800 mg)."
                )
                % {"max": recommended.dose_mg, "kg": course.patient.weight_kg}
            }
        )
    earlier = list(
        course.interventions.filter(kind=InterventionKind.TOCILIZUMAB).values_list(
            "given_at", flat=True
        )
    )
    if any(t > given_at for t in earlier):
        raise ValidationError(
            {
                "given_at": _(
                    "A later tocilizumab dose is already recorded; record doses in the order given."
                )
            }
        )
    limit = dosing.tocilizumab_dose_allowed(given_at=earlier, at=given_at)
    if not limit.allowed:
        raise ValidationError(
            {"given_at": _("Tocilizumab refused: %(reason)s") % {"reason": limit.reason}}
        )
    return dose_mg


def _replan_open_tasks(course: TreatmentCourse) -> None:
    """ICU transfer shortens the intervals at once; open tasks move earlier, never later."""
    crs, icans = _current_grades(course)
    in_icu = _in_icu(course)
    for kind in (TaskKind.VITALS, TaskKind.NEURO):
        interval = schedule.interval_for(kind=kind, crs_grade=crs, icans_grade=icans, in_icu=in_icu)
        last = _last_done_at(course, kind)
        if last is None:
            continue
        target = last + interval
        MonitoringTask.objects.filter(
            course=course,
            kind=kind,
            done_at__isnull=True,
            missed_at__isnull=True,
            due_at__gt=target,
        ).audited_update(reason="ICU: assessed more often", due_at=target)


def _last_done_at(course, kind):
    qs = course.assessments.all()
    if kind == TaskKind.NEURO:
        qs = qs.filter(neuro_assessed=True)
    return qs.order_by("-assessed_at").values_list("assessed_at", flat=True).first()


# --- Tasks ---------------------------------------------------------------------------------


def task_take(*, by: User, task: MonitoringTask) -> MonitoringTask:
    """A nurse takes a task. The conditional update lets exactly one of two nurses win."""
    _require_bedside(by, task.course)
    with transaction.atomic():
        taken = MonitoringTask.objects.filter(
            pk=task.pk, taken_by__isnull=True, done_at__isnull=True, missed_at__isnull=True
        ).audited_update(by=by, taken_by=by, taken_at=timezone.now())
        current = MonitoringTask.objects.select_related("taken_by").get(pk=task.pk)
    if taken != 1:
        if current.done_at is not None:
            raise ValidationError(_("This assessment has already been done."))
        if current.missed_at is not None:
            raise ValidationError(_("This assessment was closed as missed; a new one is due."))
        raise ValidationError(
            _("%(who)s took this assessment at %(when)s.")
            % {
                "who": current.taken_by,
                "when": local_when(current.taken_at),
            }
        )
    return current


# --- The sweep -----------------------------------------------------------------------------

# Reminders are claimed and delivered this many at a time, each batch in one transaction.
REMINDER_BATCH = 500


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


def _isolated(deliver, **kwargs) -> bool:
    """One undeliverable item must not hold up the others; it stays undelivered (its
    transaction rolled back) and the next sweep tries it again."""
    try:
        return deliver(**kwargs)
    except Exception:
        logger.exception("delivery failed; will retry at the next sweep", extra=kwargs)
        return False


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
    ).audited_update(reason="not done before the shift ended: missed", missed_at=now)


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
                    default_change_reason="monitoring sweep",
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
    return _insert_new(MonitoringTask, ("course", "kind", "due_at", "created_at"), new_tasks)


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


def reminders_deliver_due() -> int:
    """Deliver every undelivered reminder exactly once; returns how many were claimed.

    A batch of reminders is claimed by one conditional update and its notifications are
    written in the same transaction, in a constant number of queries however many reminders
    and recipients: a worker killed half-way leaves the batch undelivered for the next sweep,
    and a second sweep never claims what this one holds. If a batch fails, its reminders are
    tried one at a time, so one undeliverable reminder does not hold up the others.
    """
    delivered = 0
    after_id = 0
    while True:
        claimed: list[int] = []
        try:
            with transaction.atomic():
                claimed = _reminders_claim(after_id=after_id, limit=REMINDER_BATCH)
                _reminders_notify(claimed)
        except Exception:
            if not claimed:
                raise
            logger.exception("reminder batch failed; delivering its reminders one by one")
            delivered += sum(_isolated(reminder_deliver, reminder_id=pk) for pk in claimed)
        else:
            delivered += len(claimed)
        if len(claimed) < REMINDER_BATCH:
            return delivered
        after_id = max(claimed)


def reminder_deliver(*, reminder_id: int) -> bool:
    """Deliver one reminder exactly once; False when it was already claimed."""
    with transaction.atomic():
        claimed = _reminders_claim(reminder_id=reminder_id)
        _reminders_notify(claimed)
    return bool(claimed)


def _reminders_claim(
    *, after_id: int = 0, limit: int = 1, reminder_id: int | None = None
) -> list[int]:
    """Mark undelivered reminders sent (the lowest ids above after_id, at most limit, or
    just reminder_id) and return the ids this call claimed.

    One conditional update (UPDATE ... WHERE sent_at IS NULL ... RETURNING id): a reminder
    already claimed by another sweep does not match, and on PostgreSQL one that another
    sweep holds locked is skipped, so no reminder is ever claimed twice. Call it inside the
    transaction that writes the notifications, so that a failure un-claims them too.
    """
    sent_at = timezone.now()
    if not _can_update_returning():
        return _reminders_claim_without_returning(
            after_id=after_id, limit=limit, reminder_id=reminder_id, sent_at=sent_at
        )
    quote = connection.ops.quote_name
    table = quote(Reminder._meta.db_table)
    pk = quote(Reminder._meta.pk.column)
    sent = quote(Reminder._meta.get_field("sent_at").column)
    pick = f"SELECT {pk} FROM {table} WHERE {sent} IS NULL AND {pk} > %s"
    params = [after_id]
    if reminder_id is not None:
        pick += f" AND {pk} = %s"
        params.append(reminder_id)
    pick += f" ORDER BY {pk} LIMIT %s"
    params.append(limit)
    if connection.features.has_select_for_update_skip_locked:
        pick += " FOR UPDATE SKIP LOCKED"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sent} = %s WHERE {sent} IS NULL AND {pk} IN ({pick}) "
            f"RETURNING {pk}",
            [Reminder._meta.get_field("sent_at").get_db_prep_save(sent_at, connection), *params],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _can_update_returning() -> bool:
    """UPDATE ... RETURNING: PostgreSQL, and SQLite from 3.35, as INSERT ... RETURNING."""
    return connection.features.can_return_columns_from_insert


def _reminders_claim_without_returning(
    *, after_id: int, limit: int, reminder_id: int | None, sent_at: datetime
) -> list[int]:
    """The claim on SQLite before 3.35, which has no UPDATE ... RETURNING: read the ids, then
    update exactly those, in the caller's transaction. SQLite transactions here take the
    write lock when they begin (settings: transaction_mode IMMEDIATE), so no other sweep
    can claim between the read and the update; the count check is the guard if one did."""
    undelivered = Reminder.objects.filter(sent_at__isnull=True, pk__gt=after_id)
    if reminder_id is not None:
        undelivered = undelivered.filter(pk=reminder_id)
    ids = list(undelivered.order_by("pk").values_list("pk", flat=True)[:limit])
    claimed = Reminder.objects.filter(pk__in=ids, sent_at__isnull=True).update(sent_at=sent_at)
    if claimed != len(ids):
        raise RuntimeError("reminders claimed by another sweep meanwhile; retrying next sweep")
    return ids


def _reminders_notify(reminder_ids: list[int]) -> None:
    """The in-app notifications for claimed reminders, and their e-mails after commit: each
    goes to the active nurses of the patient's ward, else to the attending clinician.

    Four queries for the batch: its reminders, the nurses of all its wards at once, the
    notifications that already exist (a cause never notifies twice), one insert.
    """
    if not reminder_ids:
        return
    reminders = list(
        # A task done before its reminder went out needs no reminder: nothing to say.
        Reminder.objects.filter(
            pk__in=reminder_ids, task__done_at__isnull=True, task__missed_at__isnull=True
        )
        .select_related("task__course__patient__attending_clinician")
        .order_by("pk")
    )
    if not reminders:
        return
    nurses_by_ward: dict[int, list[User]] = defaultdict(list)
    memberships = (
        User.wards.through.objects.filter(
            ward_id__in={r.task.course.patient.ward_id for r in reminders},
            user__is_active=True,
            user__groups__name=Role.NURSE,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "user_id")
    )
    for membership in memberships:
        nurses_by_ward[membership.ward_id].append(membership.user)
    notifications = []
    email_subjects: dict[int, tuple[str, str]] = {}
    for reminder in reminders:
        task = reminder.task
        patient = task.course.patient
        link = reverse("monitoring:assess", args=[task.course_id])
        for recipient in nurses_by_ward[patient.ward_id] or [patient.attending_clinician]:
            # Each recipient reads it in her own language; the e-mail subject names no one.
            with in_language_of(recipient):
                if reminder.kind == ReminderKind.OVERDUE:
                    subject = _("OVERDUE: %(task)s for %(patient)s (due %(when)s)")
                    mail_subject = _("Overdue: a monitoring task on your ward")
                else:
                    subject = _("Due soon: %(task)s for %(patient)s at %(when)s")
                    mail_subject = _("Due soon: a monitoring task on your ward")
                subject = subject % {
                    "task": task.get_kind_display(),
                    "patient": f"{patient.display_name} {patient.mrn}",
                    "when": local_when(task.due_at),
                }
                message = messaging.email_body(headline=subject, link=link)
            notifications.append(
                Notification(
                    recipient=recipient,
                    subject=subject[:200],
                    link=link,
                    source_key=f"reminder:{reminder.pk}",
                )
            )
            email_subjects[id(notifications[-1])] = (messaging.email_subject(mail_subject), message)
    already_sent = set(
        Notification.objects.filter(
            recipient_id__in={n.recipient_id for n in notifications},
            source_key__in={n.source_key for n in notifications},
        ).values_list("recipient_id", "source_key")
    )
    new = [n for n in notifications if (n.recipient_id, n.source_key) not in already_sent]
    Notification.objects.bulk_create(new)
    emails = [(n.recipient.email, *email_subjects[id(n)]) for n in new if n.recipient.email]
    if emails:
        transaction.on_commit(lambda: _send_emails(emails))


def _send_emails(emails: list[tuple[str, str, str]]) -> None:
    """The e-mail copies, over one connection. The notifications are committed already: a mail
    server failure is logged, never raised, as core.services.notification_send does."""
    try:
        with mail.get_connection() as mail_connection:
            for address, subject, message in emails:
                try:
                    mail.EmailMessage(
                        subject, message, None, [address], connection=mail_connection
                    ).send()
                except Exception:
                    logger.exception("e-mail notification failed")
    except Exception:
        logger.exception("e-mail notification failed")
