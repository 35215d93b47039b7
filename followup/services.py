"""Every write to follow-up records. Views, API, admin, tasks and signals call these."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.messaging import absolute_url, email_subject, in_language_of, recipient_language
from core.models import User
from core.roles import Role
from patients import rules as patient_rules
from patients import services as patient_services
from patients.models import TreatmentCourse
from patients.selectors import user_can_see_patient

from . import outcomes, schedule, selectors
from .models import (
    Discharge,
    FollowUpVisit,
    ImagingMethod,
    Infection,
    LateAdverseEvent,
    LuganoResponse,
    ReminderKind,
    ScheduledVisit,
    SubsequentTherapy,
    VisitReminder,
    VisitState,
    VitalStatus,
)

log = logging.getLogger(__name__)

DISCHARGE_FIELDS = (
    "discharge_date",
    "caregiver_name",
    "caregiver_relationship",
    "caregiver_phone",
    "lodging_address",
    "centre_phone",
    "notes",
)
VISIT_FIELDS = (
    "visit_date",
    "contact_type",
    "lugano_response",
    "imaging_method",
    "deauville_score",
    "cr_deauville_confirmed",
    "cr_deauville_reason",
    "haemoglobin_g_dl",
    "neutrophils_10e9_l",
    "lymphocytes_10e9_l",
    "platelets_10e9_l",
    "igg_g_l",
    "b_cells_per_ul",
    "car_t_persistence",
    "car_t_copies_per_ug_dna",
    "cytopenia_grade",
    "ivig_given",
    "vital_status",
    "death_date",
    "death_cause",
    "death_cause_detail",
    "notes",
)
INFECTION_FIELDS = ("infection_site", "organism_type", "organism", "infection_grade", "onset_date")
EVENT_FIELDS = ("event_category", "term", "event_grade", "onset_date", "reported_to_manufacturer")
THERAPY_FIELDS = ("therapy_category", "description", "start_date")

# A reminder goes out this many days before a visit's target date (institutional default).
UPCOMING_LEAD_DAYS = 7


def _require_recorder(by: User, course: TreatmentCourse) -> None:
    if not selectors.can_record_followup(by):
        raise PermissionDenied(_("Only clinicians and nurses record follow-up."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not record follow-up for this patient."))


def _locked_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _no_day0_error() -> ValidationError:
    return ValidationError(
        _("The product has not been infused yet: follow-up counts from Day 0."), code="no_day0"
    )


# --- Visit schedule ----------------------------------------------------------------------


@transaction.atomic
def schedule_generate(*, course: TreatmentCourse, by: User | None = None) -> dict[str, int]:
    """Create the course's follow-up schedule from Day 0, or re-align it after Day 0 moved.

    Idempotent. Visits already done or cancelled are never touched; planned visits move
    to the dates counted from the current Day 0. Returns how many were created and moved.
    """
    current = _locked_course(course)
    if current.day0_date is None:
        raise _no_day0_error()
    existing = {v.code: v for v in ScheduledVisit.objects.filter(course=current)}
    death = selectors.death_record(current)
    created = moved = 0
    plan = schedule.plan_named(settings.FOLLOWUP_VISIT_PLAN)
    for planned in schedule.visit_schedule(day0=current.day0_date, plan=plan):
        dates = {
            "target_date": planned.target_date,
            "window_start": planned.window_start,
            "window_end": planned.window_end,
            "day0_date": current.day0_date,
        }
        visit = existing.get(planned.code)
        if visit is None:
            visit = ScheduledVisit(course=current, code=planned.code, sequence=planned.sequence)
            if death is not None:
                visit.visit_state = VisitState.CANCELLED
                visit.cancel_reason = _("Patient died on %(date)s.") % {
                    "date": death.death_date.isoformat()
                }
            created += 1
        elif visit.visit_state == VisitState.PLANNED and any(
            getattr(visit, name) != value for name, value in dates.items()
        ):
            moved += 1
        else:
            continue
        for name, value in dates.items():
            setattr(visit, name, value)
        visit.full_clean(validate_unique=False, validate_constraints=False)
        visit._history_user = by
        visit.save()
    # A planned visit of another plan (the setting changed) is cancelled, with the reason.
    codes = {spec.code for spec in plan}
    for code, visit in existing.items():
        if code not in codes and visit.visit_state == VisitState.PLANNED:
            visit.visit_state = VisitState.CANCELLED
            visit.cancel_reason = str(_("Not in the follow-up visit plan in use."))
            visit._history_user = by
            visit.save(update_fields=["visit_state", "cancel_reason"])
    return {"created": created, "moved": moved}


@transaction.atomic
def schedule_close(*, course: TreatmentCourse, reason: str, by: User | None = None) -> int:
    """Cancel the visits not yet done when a course ends (death, withdrawal, completion)."""
    cancelled = 0
    for planned in ScheduledVisit.objects.select_for_update().filter(
        course=course, visit_state=VisitState.PLANNED
    ):
        planned.visit_state = VisitState.CANCELLED
        planned.cancel_reason = reason[:200]
        planned._history_user = by
        planned.save(update_fields=["visit_state", "cancel_reason"])
        cancelled += 1
    return cancelled


@transaction.atomic
def schedule_realign(*, by: User, course: TreatmentCourse) -> dict[str, int]:
    """After a Day 0 correction: move the visits not yet done to the new dates."""
    _require_recorder(by, course)
    return schedule_generate(course=course, by=by)


# --- Discharge ---------------------------------------------------------------------------


@transaction.atomic
def discharge_record(
    *, by: User, course: TreatmentCourse, expected_version: int | None = None, **fields
) -> Discharge:
    """Record (or correct) the discharge. Restriction end dates come from the product's
    policy, counted from Day 0 as the labels do."""
    _require_recorder(by, course)
    unknown = set(fields) - set(DISCHARGE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown discharge fields: {sorted(unknown)}")
    current = _locked_course(course)
    if current.day0_date is None:
        raise _no_day0_error()
    if not current.is_open:
        raise ValidationError(_("This course has ended."), code="ended")
    discharge_date = fields.get("discharge_date")
    if discharge_date is not None:
        if discharge_date > timezone.localdate():
            raise ValidationError(
                {"discharge_date": _("The discharge date cannot be in the future.")}
            )
        if discharge_date < current.day0_date:
            raise ValidationError(
                {
                    "discharge_date": _(
                        "The discharge cannot be before the infusion (Day 0, %(date)s)."
                    )
                    % {"date": current.day0_date.isoformat()}
                }
            )
    existing = Discharge.objects.select_for_update().filter(course=current).first()
    if existing is None:
        discharge = Discharge(course=current, recorded_by=by)
    else:
        if expected_version != existing.version:
            raise patient_services.StaleEditError(
                _("This discharge was changed since you opened it. Reload it and try again."),
                code="stale",
            )
        discharge = existing
        discharge.version += 1
    for name, value in fields.items():
        setattr(discharge, name, value)
    restrictions = selectors.restrictions_for(product=current.product, day0=current.day0_date)
    discharge.stay_near_centre_days = restrictions.stay_near_centre_days
    discharge.no_driving_days = restrictions.no_driving_days
    discharge.stay_near_centre_until = restrictions.stay_near_centre_until
    discharge.no_driving_until = restrictions.no_driving_until
    discharge.restriction_source = restrictions.source
    discharge.full_clean()
    discharge._history_user = by
    discharge.save()
    return discharge


# --- Visits ------------------------------------------------------------------------------


def _check_children(rows, model, allowed, prefix: str, visit_date: date, day0: date, errors):
    objects = []
    for index, row in enumerate(rows, start=1):
        unknown = set(row) - set(allowed)
        if unknown:
            raise TypeError(f"Unknown {prefix} fields: {sorted(unknown)}")
        obj = model(**row)
        try:
            obj.full_clean(exclude=["visit"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(prefix, []).extend(
                    f"{index}: {model._meta.get_field(field).verbose_name}: {m}"
                    if field in allowed
                    else f"{index}: {m}"
                    for m in messages
                )
            continue
        for field in ("onset_date", "start_date"):
            value = getattr(obj, field, None)
            if value is not None and value > visit_date:
                errors.setdefault(prefix, []).append(
                    _("%(n)d: the date cannot be after the visit.") % {"n": index}
                )
            if field == "start_date" and value is not None and value < day0:
                errors.setdefault(prefix, []).append(
                    _("%(n)d: a subsequent therapy starts after the infusion.") % {"n": index}
                )
        objects.append(obj)
    return objects


@transaction.atomic
def visit_record(
    *,
    by: User,
    course: TreatmentCourse,
    scheduled_visit: ScheduledVisit | None = None,
    infections: list[dict] = (),
    adverse_events: list[dict] = (),
    therapies: list[dict] = (),
    **fields,
) -> FollowUpVisit:
    """Record a follow-up visit or contact. A death ends the schedule and, when the
    recorder may, moves the open course to "deceased" with the cause as the reason."""
    _require_recorder(by, course)
    unknown = set(fields) - set(VISIT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown visit fields: {sorted(unknown)}")
    current = _locked_course(course)
    if current.day0_date is None:
        raise _no_day0_error()
    death = selectors.death_record(current)
    if death is not None:
        raise ValidationError(
            _("The death of this patient on %(date)s has been recorded; no visit can follow it.")
            % {"date": death.death_date.isoformat()},
            code="dead",
        )
    visit = FollowUpVisit(course=current, recorded_by=by, **fields)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if visit.visit_date is not None:
        if visit.visit_date > today:
            errors["visit_date"] = [_("The visit date cannot be in the future.")]
        elif visit.visit_date < current.day0_date:
            errors["visit_date"] = [
                _("A follow-up visit cannot be before the infusion (Day 0, %(date)s).")
                % {"date": current.day0_date.isoformat()}
            ]
    if scheduled_visit is not None:
        locked = ScheduledVisit.objects.select_for_update().get(pk=scheduled_visit.pk)
        if locked.course_id != current.pk:
            errors["scheduled_visit"] = [_("This scheduled visit belongs to another course.")]
        elif locked.visit_state == VisitState.DONE:
            errors["scheduled_visit"] = [_("This scheduled visit has already been recorded.")]
        elif locked.visit_state == VisitState.CANCELLED:
            errors["scheduled_visit"] = [_("This scheduled visit was cancelled.")]
        scheduled_visit = locked
    visit.scheduled_visit = scheduled_visit

    assessed = visit.lugano_response in {
        LuganoResponse.CR,
        LuganoResponse.PR,
        LuganoResponse.SD,
        LuganoResponse.PD,
    }
    if assessed and not visit.imaging_method:
        errors["imaging_method"] = [_("Say how the response was assessed.")]
    if visit.deauville_score is not None and visit.imaging_method != ImagingMethod.PET_CT:
        errors.setdefault("deauville_score", []).append(_("A Deauville score comes from a PET-CT."))
    if outcomes.cr_needs_deauville_confirmation(visit.lugano_response, visit.deauville_score):
        if not visit.cr_deauville_confirmed:
            errors["cr_deauville_confirmed"] = [
                _(
                    "Deauville %(score)d is not a complete metabolic response (Lugano 2014: CR "
                    "is Deauville 1–3). Confirm the CR explicitly and give the reason, or record "
                    "the response that the scan shows."
                )
                % {"score": visit.deauville_score}
            ]
        if not visit.cr_deauville_reason.strip():
            errors["cr_deauville_reason"] = [_("Give the reason for a CR with Deauville 4–5.")]
    elif visit.cr_deauville_confirmed or visit.cr_deauville_reason:
        visit.cr_deauville_confirmed, visit.cr_deauville_reason = False, ""
    if visit.vital_status == VitalStatus.DEAD:
        if visit.death_date is None:
            errors["death_date"] = [_("Give the date of death.")]
        elif visit.visit_date and visit.death_date > visit.visit_date:
            errors["death_date"] = [_("The date of death cannot be after the visit date.")]
        elif visit.death_date < current.day0_date:
            errors["death_date"] = [_("The date of death cannot be before the infusion.")]
        else:
            last_alive = (
                FollowUpVisit.objects.filter(course=current, vital_status=VitalStatus.ALIVE)
                .order_by("-visit_date")
                .values_list("visit_date", flat=True)
                .first()
            )
            if last_alive is not None and visit.death_date < last_alive:
                errors["death_date"] = [
                    _("The patient was recorded alive on %(date)s, after this date of death.")
                    % {"date": last_alive.isoformat()}
                ]
        if not visit.death_cause:
            errors["death_cause"] = [_("Give the cause of death.")]
    elif visit.death_date or visit.death_cause or visit.death_cause_detail:
        errors["vital_status"] = [
            _("A date or cause of death is given only when the vital status is Dead.")
        ]

    visit_date = visit.visit_date or today
    child_sets = [
        (
            "infections",
            _check_children(
                infections,
                Infection,
                INFECTION_FIELDS,
                "infections",
                visit_date,
                current.day0_date,
                errors,
            ),
        ),
        (
            "adverse_events",
            _check_children(
                adverse_events,
                LateAdverseEvent,
                EVENT_FIELDS,
                "adverse_events",
                visit_date,
                current.day0_date,
                errors,
            ),
        ),
        (
            "therapies",
            _check_children(
                therapies,
                SubsequentTherapy,
                THERAPY_FIELDS,
                "therapies",
                visit_date,
                current.day0_date,
                errors,
            ),
        ),
    ]
    try:
        visit.full_clean(exclude=list(errors))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    visit._history_user = by
    visit.save()
    for _name, objects in child_sets:
        for obj in objects:
            obj.visit = visit
            obj._history_user = by
            obj.save()
    if scheduled_visit is not None:
        scheduled_visit.visit_state = VisitState.DONE
        scheduled_visit._history_user = by
        scheduled_visit.save(update_fields=["visit_state"])

    if visit.vital_status == VitalStatus.DEAD:
        _close_schedule_after_death(course=current, visit=visit, by=by)
        if current.is_open and by.has_role(*patient_rules.ROLES_FOR_TARGET[patient_rules.DECEASED]):
            patient_services.course_change_stage(
                by=by,
                course=current,
                to_stage=patient_rules.DECEASED,
                reason=_death_reason(visit),
                effective_date=visit.death_date,
            )
    course.refresh_from_db()
    return visit


def _death_reason(visit: FollowUpVisit) -> str:
    reason = _("Died: %(cause)s") % {"cause": visit.get_death_cause_display()}
    if visit.death_cause_detail:
        reason += f" – {visit.death_cause_detail}"
    return reason


def _close_schedule_after_death(*, course: TreatmentCourse, visit: FollowUpVisit, by: User):
    reason = _("Patient died on %(date)s.") % {"date": visit.death_date.isoformat()}
    schedule_close(course=course, reason=reason, by=by)


@transaction.atomic
def course_close_as_deceased(*, by: User, course: TreatmentCourse):
    """A clinician ends a course whose death a nurse recorded (only clinicians end courses)."""
    death = selectors.death_record(course)
    if death is None:
        raise ValidationError(_("No death has been recorded for this course."), code="no_death")
    return patient_services.course_change_stage(
        by=by,
        course=course,
        to_stage=patient_rules.DECEASED,
        reason=_death_reason(death),
        effective_date=death.death_date,
    )


# --- Reminders ---------------------------------------------------------------------------


def reminders_sweep(*, today: date | None = None) -> list[int]:
    """Make the reminder rows due today and queue every unsent one. Safe to run twice or
    on two workers at once: rows are unique per (visit, kind) and sending claims them."""
    from . import tasks

    today = today or timezone.localdate()
    planned = ScheduledVisit.objects.filter(visit_state=VisitState.PLANNED).exclude(
        course__stage__in=sorted(patient_rules.TERMINAL_STAGES)
    )
    upcoming = planned.filter(
        target_date__lte=today + timedelta(days=UPCOMING_LEAD_DAYS),
        window_end__gte=today,
    ).values_list("pk", flat=True)
    overdue = planned.filter(window_end__lt=today).values_list("pk", flat=True)
    with transaction.atomic():
        VisitReminder.objects.bulk_create(
            [
                VisitReminder(scheduled_visit_id=pk, reminder_kind=ReminderKind.UPCOMING)
                for pk in upcoming
            ]
            + [
                VisitReminder(scheduled_visit_id=pk, reminder_kind=ReminderKind.OVERDUE)
                for pk in overdue
            ],
            ignore_conflicts=True,
        )
        pending = list(
            VisitReminder.objects.filter(sent_at__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        for pk in pending:
            transaction.on_commit(partial(tasks.send_visit_reminder.delay, pk))
    return pending


def _reminder_recipients(course: TreatmentCourse) -> list[User]:
    """The ward's nurses who have an e-mail address, else the attending clinician."""
    nurses = list(
        User.objects.filter(groups__name=Role.NURSE, wards=course.patient.ward_id, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    if not nurses and course.patient.attending_clinician.email:
        nurses = [course.patient.attending_clinician]
    return nurses


def _reminder_message(reminder, visit, course, path: str) -> tuple[str, str]:
    """Subject and body of a follow-up reminder, in the active language."""
    values = {
        "visit": visit.label,
        "mrn": course.patient.mrn,
        "ward": course.patient.ward,
        "target": visit.target_date.isoformat(),
        "start": visit.window_start.isoformat(),
        "end": visit.window_end.isoformat(),
        "path": absolute_url(path),
    }
    if reminder.reminder_kind == ReminderKind.OVERDUE:
        subject = _("Follow-up visit overdue: %(visit)s") % values
        body = (
            _(
                "The %(visit)s follow-up visit of patient MRN %(mrn)s (%(ward)s) was due on "
                "%(target)s; its window closed on %(end)s and no visit has been recorded.\n\n"
                "Follow-up calendar: %(path)s"
            )
            % values
        )
    else:
        subject = _("Follow-up visit coming up: %(visit)s") % values
        body = (
            _(
                "The %(visit)s follow-up visit of patient MRN %(mrn)s (%(ward)s) is due on "
                "%(target)s (window %(start)s to %(end)s).\n\nFollow-up calendar: %(path)s"
            )
            % values
        )
    return subject, body


def reminder_send(*, reminder_id: int) -> bool:
    """Send one reminder, once: claim the row, then e-mail the ward's follow-up nurses.

    If the e-mail fails the transaction rolls back and the row can be claimed again.
    """
    with transaction.atomic():
        claimed = VisitReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if claimed != 1:
            return False
        reminder = VisitReminder.objects.select_related(
            "scheduled_visit__course__patient__ward",
            "scheduled_visit__course__patient__attending_clinician",
        ).get(pk=reminder_id)
        visit = reminder.scheduled_visit
        course = visit.course
        if visit.visit_state != VisitState.PLANNED or not course.is_open:
            reminder.skipped = True
            reminder.save(update_fields=["skipped"])
            return False
        recipients = _reminder_recipients(course)
        path = reverse("followup:course", args=[course.pk])
        by_language: dict[str, list[User]] = defaultdict(list)
        for recipient in recipients:
            by_language[recipient_language(recipient)].append(recipient)
        for language, group in sorted(by_language.items()):
            # One message per language, each in that language; the subject names no patient.
            with translation.override(language):
                subject, body = _reminder_message(reminder, visit, course, path)
                send_mail(
                    email_subject(subject),
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    sorted({r.email for r in group}),
                )
        if not recipients:
            log.warning("No recipient for follow-up reminder %s", reminder_id)
        recipients = sorted({r.email for r in recipients})
        reminder.recipients = ", ".join(recipients)
        reminder.save(update_fields=["recipients"])
    return True


def restriction_endings_notify(*, today: date | None = None) -> int:
    """Daily: tell the attending clinician and the ward's nurses whose restriction periods end
    today (stay near the centre; no driving or machinery), so the patient can be told. The
    notification's unique cause key makes a second run the same day send nothing."""
    from core.services import notification_send

    today = today or timezone.localdate()
    sent = 0
    discharges = Discharge.objects.filter(
        Q(stay_near_centre_until=today) | Q(no_driving_until=today)
    ).select_related("course__patient__attending_clinician", "course__patient__ward")
    for discharge in discharges:
        patient = discharge.course.patient
        recipients = [
            patient.attending_clinician,
            *User.objects.filter(groups__name=Role.NURSE, wards=patient.ward_id, is_active=True),
        ]
        for recipient in recipients:
            with transaction.atomic(), in_language_of(recipient):
                ending = []
                if discharge.stay_near_centre_until == today:
                    ending.append(str(_("stay near the treating centre")))
                if discharge.no_driving_until == today:
                    ending.append(str(_("no driving or hazardous machinery")))
                note = notification_send(
                    recipient=recipient,
                    subject=_("Restrictions end today for %(patient)s: %(what)s")
                    % {
                        "patient": f"{patient.display_name} {patient.mrn}",
                        "what": ", ".join(ending),
                    },
                    email_subject=_("Restrictions end today for a patient of yours"),
                    link=reverse("followup:course", args=[discharge.course_id]),
                    source_key=f"restriction-end:{discharge.pk}:{today.isoformat()}",
                )
            sent += note is not None
    return sent
