"""Every write to patients and courses. Views, API, admin and tasks call these."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.models import User
from core.permissions import can_edit_patients
from core.roles import Role

from . import rules
from .models import CarTProduct, Patient, Stage, StageEvent, TreatmentCourse
from .selectors import last_change, user_can_see_patient
from .signals import course_stage_changed

PATIENT_EDITABLE_FIELDS = (
    "mrn",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "weight_kg",
    "height_cm",
    "diagnosis",
    "ward",
    "attending_clinician",
)


class StaleEditError(ValidationError):
    """The record changed after the user opened it; saving would overwrite that change."""


def _check_patient_fields(patient: Patient) -> None:
    errors = {}
    if patient.date_of_birth and patient.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    clinician = patient.attending_clinician if patient.attending_clinician_id else None
    if clinician is not None and not clinician.has_role(Role.CLINICIAN):
        errors["attending_clinician"] = _("The attending clinician must have the clinician role.")
    if errors:
        raise ValidationError(errors)


def _require_editor(by: User) -> None:
    if not can_edit_patients(by):
        raise PermissionDenied(_("Only clinicians may register or edit patients."))


@transaction.atomic
def patient_register(*, by: User, **fields) -> Patient:
    _require_editor(by)
    unknown = set(fields) - set(PATIENT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    patient = Patient(**fields)
    _check_patient_fields(patient)
    patient.full_clean()
    patient._history_user = by
    patient.save()
    return patient


@transaction.atomic
def patient_update(
    *, by: User, patient: Patient, expected_version: int, reason: str = "", **fields
) -> Patient:
    """Change a patient's record, refusing to overwrite a change the user has not seen.

    Once a course is past the decision to treat (consented onwards), doses and checks rest on
    this record: a change then needs a reason, which is kept with the history."""
    _require_editor(by)
    unknown = set(fields) - set(PATIENT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if current.version != expected_version:
        who, when = last_change(current)
        raise StaleEditError(
            _(
                "This record was changed by %(who)s at %(when)s. "
                "Reload it and make your change again."
            )
            % {
                "who": who or _("another user"),
                "when": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")
                if when
                else "?",
            },
            code="stale",
        )
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    reason = (reason or "").strip()
    if changed and not reason and patient_record_needs_reason(current):
        raise ValidationError(
            {"reason": _("This patient is in treatment: say why the record changes.")},
            code="reason",
        )
    for name, value in fields.items():
        setattr(current, name, value)
    _check_patient_fields(current)
    current.full_clean()
    current.version += 1
    current._history_user = by
    if reason:
        current._change_reason = reason
    current.save()
    return current


def patient_record_needs_reason(patient: Patient) -> bool:
    """True while a course of the patient is between consent and the end of follow-up."""
    return patient.courses.filter(stage__in=rules.REASON_FOR_CHANGE_STAGES).exists()


@transaction.atomic
def course_open(
    *, by: User, patient: Patient, product: CarTProduct, referred_on: date | None = None
) -> TreatmentCourse:
    """Open a treatment course at 'referred' and write its first timeline event."""
    _require_editor(by)
    referred_on = referred_on or timezone.localdate()
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": _("The referral date cannot be in the future.")})
    if not product.active:
        raise ValidationError({"product": _("This product is no longer in the catalogue.")})
    if patient.courses.exclude(stage__in=rules.TERMINAL_STAGES).exists():
        raise ValidationError(
            {"patient": _("This patient already has a course under way; end it first.")}
        )
    course = TreatmentCourse(
        patient=patient, product=product, referred_on=referred_on, created_by=by
    )
    course.full_clean()
    course._history_user = by
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError:
        # Two clinicians opening a course for the same patient at the same moment.
        raise ValidationError(
            {"patient": _("This patient already has a course under way; end it first.")}
        ) from None
    event = StageEvent(
        course=course,
        from_stage="",
        to_stage=rules.REFERRED,
        occurred_at=timezone.now(),
        effective_date=referred_on,
        changed_by=by,
        reason=_("Referred for CAR-T therapy."),
    )
    event._history_user = by
    event.save()
    return course


def _transition_message(check: rules.TransitionCheck, from_stage: str, to_stage: str) -> str:
    labels = dict(Stage.choices)
    names = {"from": labels.get(from_stage, from_stage), "to": labels.get(to_stage, to_stage)}
    templates = {
        "same": _("The course is already in stage %(to)s."),
        "ended": _("The course has ended (%(from)s); it cannot change stage."),
        "not_allowed": _(
            "A course cannot go from %(from)s to %(to)s. Allowed next stages: %(next)s."
        ),
        "role": _("Your role may not move a course to %(to)s."),
        "reason": _("Moving a course from %(from)s to %(to)s needs a reason."),
    }
    names["next"] = ", ".join(
        str(labels[s]) for s in rules.STAGE_ORDER if s in rules.ALLOWED_TRANSITIONS[from_stage]
    )
    return templates[check.code] % names


@transaction.atomic
def course_change_stage(
    *,
    by: User,
    course: TreatmentCourse,
    to_stage: str,
    reason: str = "",
    effective_date: date | None = None,
) -> StageEvent:
    """The only way a course changes stage: checks the move, records who, when and why."""
    # Lock the course so two simultaneous moves cannot both start from the same stage.
    current = (
        TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    )
    if not user_can_see_patient(by, current.patient):
        raise PermissionDenied(_("You may not change this course."))
    reason = (reason or "").strip()
    check = rules.check_transition(
        from_stage=current.stage, to_stage=to_stage, roles=by.roles, reason=reason
    )
    if not check.allowed:
        raise ValidationError(_transition_message(check, current.stage, to_stage), code=check.code)
    today = timezone.localdate()
    effective_date = effective_date or today
    if effective_date > today:
        raise ValidationError(_("A stage change cannot be dated in the future."), code="date")
    last = current.stage_events.order_by("-occurred_at", "-id").first()
    if last is not None and effective_date < last.effective_date:
        raise ValidationError(
            _("A stage change cannot be dated before the previous one (%(date)s).")
            % {"date": last.effective_date.isoformat()},
            code="date",
        )
    event = StageEvent(
        course=current,
        from_stage=current.stage,
        to_stage=to_stage,
        occurred_at=timezone.now(),
        effective_date=effective_date,
        changed_by=by,
        reason=reason,
    )
    event.full_clean()
    event._history_user = by
    event.save()
    current.stage = to_stage
    if to_stage == rules.INFUSION and current.day0_date is None:
        # The day the cells go in is Day 0 for every later day number.
        current.day0_date = effective_date
    current.version += 1
    current._history_user = by
    current._change_reason = reason or f"{event.from_stage} → {to_stage}"
    current.save()
    course_stage_changed.send(sender=TreatmentCourse, course=current, event=event, by=by)
    course.refresh_from_db()
    return event


@transaction.atomic
def course_set_planned_day0(
    *, by: User, course: TreatmentCourse, planned_day0_date: date | None
) -> TreatmentCourse:
    """Record the planned infusion day, from which pre-infusion day numbers count."""
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians may plan Day 0."))
    current = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    if current.day0_date is not None:
        raise ValidationError(
            {"planned_day0_date": _("The product has been infused; Day 0 is fixed.")}
        )
    if not current.is_open:
        raise ValidationError({"planned_day0_date": _("This course has ended.")})
    if planned_day0_date is not None and planned_day0_date < current.referred_on:
        raise ValidationError(
            {"planned_day0_date": _("Day 0 cannot be planned before the referral date.")}
        )
    current.planned_day0_date = planned_day0_date
    current.version += 1
    current._history_user = by
    current.save()
    course.refresh_from_db()
    return current
