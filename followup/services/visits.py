"""Follow-up writes: visits with their infections, late events and therapies; death."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.messaging import in_language_of
from core.models import User
from core.roles import Role
from core.services import notification_send
from patients import rules as patient_rules
from patients import services as patient_services
from patients.models import TreatmentCourse

from .. import outcomes, selectors
from ..models import (
    MANUFACTURER_REPORTABLE,
    FollowUpVisit,
    ImagingMethod,
    Infection,
    LateAdverseEvent,
    LuganoResponse,
    ScheduledVisit,
    SubsequentTherapy,
    VisitState,
    VitalStatus,
)
from ..texts import cause_of_death_code
from .access import _locked_course, _no_day0_error, _require_recorder
from .visit_schedule import schedule_close

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
    _notify_manufacturer_reports_due(
        course=current,
        events=[obj for name, objects in child_sets if name == "adverse_events" for obj in objects],
    )
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
                reason=visit.death_cause_detail,
                reason_text=_death_reason(visit),
                effective_date=visit.death_date,
            )
    course.refresh_from_db()
    return visit


def _notify_manufacturer_reports_due(
    *, course: TreatmentCourse, events: list[LateAdverseEvent]
) -> None:
    """A T-cell malignancy must be reported to the manufacturer (FDA boxed warning, April
    2024): the attending clinician is told; the task stays on the follow-up list until a
    clinician records the report (manufacturer_report_record)."""
    due = [
        e
        for e in events
        if e.event_category in MANUFACTURER_REPORTABLE and not e.reported_to_manufacturer
    ]
    recipient = course.patient.attending_clinician
    if not due or recipient is None or not recipient.is_active:
        return
    patient = course.patient
    for event in due:
        with in_language_of(recipient):
            notification_send(
                recipient=recipient,
                subject=_("Report to the manufacturer: %(term)s in %(patient)s")
                % {"term": event.term, "patient": f"{patient.display_name} {patient.mrn}"},
                body=_(
                    "A T-cell malignancy after CAR-T therapy must be reported to the "
                    "manufacturer. Record the report on the follow-up list when it is made."
                ),
                email_subject=_("A report to the manufacturer is due"),
                link=reverse("followup:worklists"),
                source_key=f"manufacturer-report:{event.pk}",
            )


@transaction.atomic
def manufacturer_report_record(*, by: User, event: LateAdverseEvent) -> LateAdverseEvent:
    """A clinician records that the late event was reported to the manufacturer; the task
    leaves the follow-up list."""
    course = event.visit.course
    _require_recorder(by, course)
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians report to the manufacturer."))
    current = LateAdverseEvent.objects.select_for_update().get(pk=event.pk)
    if current.reported_to_manufacturer:
        raise ValidationError(_("This event has already been reported to the manufacturer."))
    current.reported_to_manufacturer = True
    current._history_user = by
    current.save(update_fields=["reported_to_manufacturer"])
    event.refresh_from_db()
    return current


def _death_reason(visit: FollowUpVisit) -> system_text.SystemText:
    """The cause as its code, shown as its label in the reader's language; the details the
    nurse typed follow as the human reason."""
    cause = system_text.text(cause_of_death_code(visit.death_cause))
    code = "followup.died_with_details" if visit.death_cause_detail else "followup.died"
    return system_text.text(code, cause=cause)


def _close_schedule_after_death(*, course: TreatmentCourse, visit: FollowUpVisit, by: User):
    reason = system_text.english(
        system_text.text("followup.patient_died_on", date=visit.death_date.isoformat())
    )
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
        reason=death.death_cause_detail,
        reason_text=_death_reason(death),
        effective_date=death.death_date,
    )
