"""Every write to patients and courses. Views, API, admin and tasks call these."""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalogue import selectors as catalogue_selectors
from catalogue.models import CarTProduct
from core import system_text
from core.messaging import in_language_of
from core.models import User, Ward
from core.permissions import can_edit_patients, can_transfer_patient, is_his_interface
from core.roles import Role
from core.services import notification_send
from core.versioning import check_version

from . import rules, stage_entry
from .models import Patient, Stage, StageEvent, TransferSource, TreatmentCourse, WardTransfer
from .selectors import user_can_see_patient
from .signals import course_day0_changed, course_stage_changed

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
    "preferred_language",
    "national_id",
)


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
    if not (can_edit_patients(by) or is_his_interface(by)):
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
    check_version(current, expected_version)
    # A ward change is a transfer: it goes on the ward timeline and tells the new ward.
    new_ward = fields.pop("ward", None)
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
    if new_ward is not None and new_ward.pk != current.ward_id:
        patient_transfer(
            by=by,
            patient=current,
            to_ward=new_ward,
            reason=reason or system_text.english(system_text.text("patients.ward_changed")),
        )
        current.refresh_from_db()
    return current


def patient_record_needs_reason(patient: Patient) -> bool:
    """True while a course of the patient is between consent and the end of follow-up."""
    return patient.courses.filter(stage__in=rules.REASON_FOR_CHANGE_STAGES).exists()


def course_product_check(*, patient: Patient, product: CarTProduct) -> None:
    """Refuse a product without an approved indication for the patient's diagnosis."""
    indicated = list(catalogue_selectors.products_indicated_for(patient.diagnosis))
    if product in indicated:
        return
    raise ValidationError(
        {
            "product": _("%(product)s is not indicated for %(diagnosis)s: choose %(indicated)s.")
            % {
                "product": product.short_name,
                "diagnosis": patient.get_diagnosis_display(),
                "indicated": _(" or ").join(p.short_name for p in indicated) or _("none"),
            }
        },
        code="not_indicated",
    )


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
    course_product_check(patient=patient, product=product)
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
        reason_text=system_text.text("patients.referred").as_json(),
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
    reason_text: system_text.SystemText | None = None,
    effective_date: date | None = None,
) -> StageEvent:
    """The generic stage change (page form, API, shell): only the moves that need no record
    — withdrawn, deceased, or back a stage, each with a reason. A course enters every other
    stage through the service that records its evidence (course_enter_stage)."""
    current = _lock_course_for_move(by, course)
    check = rules.check_transition(
        from_stage=current.stage,
        to_stage=to_stage,
        roles=by.roles,
        reason=_stated(reason, reason_text),
    )
    if not check.allowed:
        raise ValidationError(_transition_message(check, current.stage, to_stage), code=check.code)
    refusal = stage_entry.generic_move_refusal(current.stage, to_stage)
    if refusal:
        raise ValidationError(refusal, code="evidence")
    return _move(
        by=by,
        course=course,
        current=current,
        to_stage=to_stage,
        reason=reason,
        reason_text=reason_text,
        effective_date=effective_date,
    )


@transaction.atomic
def course_enter_stage(
    *,
    by: User,
    course: TreatmentCourse,
    to_stage: str,
    reason: str = "",
    reason_text: system_text.SystemText | None = None,
    effective_date: date | None = None,
) -> StageEvent:
    """Move a course into a stage entered on evidence. Called by the stage's owning service
    inside its transaction, after it has saved the record; refuses if the registered check
    (patients/stage_entry.py) does not find that record."""
    entry = stage_entry.entry_for(to_stage)
    if entry is None:
        raise ValidationError(
            _("%(to)s is not entered on evidence; use the stage form.")
            % {"to": dict(Stage.choices).get(to_stage, to_stage)},
            code="not_guarded",
        )
    current = _lock_course_for_move(by, course)
    check = rules.check_transition(
        from_stage=current.stage,
        to_stage=to_stage,
        roles=by.roles,
        reason=_stated(reason, reason_text),
    )
    if not check.allowed:
        raise ValidationError(_transition_message(check, current.stage, to_stage), code=check.code)
    missing = entry.evidence_missing(current)
    if missing:
        raise ValidationError(missing, code="evidence")
    return _move(
        by=by,
        course=course,
        current=current,
        to_stage=to_stage,
        reason=reason,
        reason_text=reason_text,
        effective_date=effective_date,
    )


def _stated(reason: str, reason_text: system_text.SystemText | None) -> str:
    """The reason a move states, for the rule that some moves need one: the person's words,
    or the system's (a death recorded on a follow-up visit)."""
    return (reason or "").strip() or (system_text.english(reason_text) if reason_text else "")


def _lock_course_for_move(by: User, course: TreatmentCourse) -> TreatmentCourse:
    # Lock the course so two simultaneous moves cannot both start from the same stage.
    current = (
        TreatmentCourse.objects.select_for_update().select_related("patient").get(pk=course.pk)
    )
    if not user_can_see_patient(by, current.patient):
        raise PermissionDenied(_("You may not change this course."))
    return current


def _move(
    *,
    by: User,
    course: TreatmentCourse,
    current: TreatmentCourse,
    to_stage: str,
    reason: str,
    reason_text: system_text.SystemText | None,
    effective_date: date | None,
) -> StageEvent:
    """Record the checked move: who, when and why, on the timeline. The system's words go in
    as a code (``reason_text``), the person's as typed (``reason``)."""
    reason = (reason or "").strip()
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
        reason_text=reason_text.as_json() if reason_text else None,
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
    # The course's history keeps one line of prose: the system's words in English (the chart
    # history shows known wording in the reader's language, core.system_text_legacy).
    said = " ".join(p for p in (system_text.english(reason_text), reason) if p)
    current._change_reason = said or f"{event.from_stage} → {to_stage}"
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


@transaction.atomic
def course_correct_day0(
    *, by: User, course: TreatmentCourse, day0_date: date, reason: str
) -> TreatmentCourse:
    """Correct a recorded Day 0 that was entered wrong. The stage that owns the infusion
    record calls this inside its signed correction; the course's history keeps the old date
    and the reason, and the later stages follow (course_day0_changed)."""
    if not by.has_role(Role.CLINICIAN):
        raise PermissionDenied(_("Only clinicians may correct Day 0."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why Day 0 is corrected.")})
    current = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    old_date = current.day0_date
    if old_date is None:
        raise ValidationError(_("This course has no infusion yet: there is no Day 0 to correct."))
    if day0_date < current.referred_on:
        raise ValidationError({"day0_date": _("Day 0 cannot be before the referral date.")})
    current.day0_date = day0_date
    current.version += 1
    current._history_user = by
    current._change_reason = reason
    current.save()
    course_day0_changed.send(sender=TreatmentCourse, course=current, old_date=old_date, by=by)
    course.refresh_from_db()
    return current


@transaction.atomic
def patient_transfer(
    *,
    by: User,
    patient: Patient,
    to_ward: Ward,
    reason: str,
    transferred_at: datetime | None = None,
    source: str = TransferSource.PAGE,
) -> WardTransfer:
    """Move a patient to another ward. Visibility, the nurses' Today list, open monitoring
    tasks and reminders all follow the patient's ward, so they move with this one write;
    the receiving ward's nurses are told at once."""
    current = Patient.objects.select_for_update().select_related("ward").get(pk=patient.pk)
    if not can_transfer_patient(by, current):
        raise PermissionDenied(_("You may not transfer this patient."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the patient moves.")
    if to_ward.pk == current.ward_id:
        errors["to_ward"] = _("The patient is already on %(ward)s.") % {"ward": to_ward}
    elif not to_ward.active:
        errors["to_ward"] = _("Ward %(ward)s is closed.") % {"ward": to_ward}
    now = timezone.now()
    transferred_at = transferred_at or now
    if transferred_at > now + timedelta(minutes=5):
        errors["transferred_at"] = _("A transfer cannot be dated in the future.")
    last = current.ward_transfers.order_by("-transferred_at", "-id").first()
    if last is not None and transferred_at < last.transferred_at:
        when = formats.date_format(timezone.localtime(last.transferred_at), "DATETIME_FORMAT")
        errors["transferred_at"] = _(
            "A transfer cannot be dated before the previous one (%(when)s)."
        ) % {"when": when}
    if errors:
        raise ValidationError(errors)
    transfer = WardTransfer(
        patient=current,
        from_ward=current.ward,
        to_ward=to_ward,
        transferred_at=transferred_at,
        reason=reason[:300],
        source=source,
        recorded_by=by,
    )
    transfer.full_clean()
    transfer._history_user = by
    transfer.save()
    current.ward = to_ward
    current.version += 1
    current._history_user = by
    current._change_reason = system_text.english(
        system_text.text("patients.transferred", ward=str(to_ward), reason=transfer.reason)
    )
    current.save()
    _notify_receiving_ward(transfer)
    patient.refresh_from_db()
    return transfer


def _notify_receiving_ward(transfer: WardTransfer) -> None:
    patient = transfer.patient
    nurses = User.objects.filter(
        wards=transfer.to_ward, groups__name=Role.NURSE, is_active=True
    ).distinct()
    for nurse in nurses:
        # In her language; the subject names the ward only, so it may be the e-mail's too.
        with in_language_of(nurse):
            subject = _("Patient transferred to %(ward)s") % {"ward": transfer.to_ward}
            notification_send(
                recipient=nurse,
                subject=subject,
                email_subject=subject,
                body=_("%(patient)s arrives from %(from)s. Reason: %(reason)s")
                % {"patient": patient, "from": transfer.from_ward, "reason": transfer.reason},
                link=reverse("patients:detail", args=[patient.pk]),
                source_key=f"ward-transfer:{transfer.pk}",
            )


@transaction.atomic
def patient_merge(*, by: User, merged: Patient, survivor: Patient, reason: str) -> Patient:
    """Merge a duplicate record into the one that survives (the HIS's ADT^A40): its courses
    move to the survivor through new history rows; the merged record keeps its own history
    and points to the survivor. Nothing is rewritten or deleted."""
    _require_editor(by)
    if merged.pk == survivor.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    first, second = sorted([merged.pk, survivor.pk])
    locked = {p.pk: p for p in Patient.objects.select_for_update().filter(pk__in=[first, second])}
    merged, survivor = locked[merged.pk], locked[survivor.pk]
    if merged.merged_into_id is not None:
        raise ValidationError(
            _("%(mrn)s was already merged into another record.") % {"mrn": merged.mrn}
        )
    if survivor.merged_into_id is not None:
        raise ValidationError(
            _("%(mrn)s was itself merged; merge into the surviving record.") % {"mrn": survivor.mrn}
        )
    open_courses = TreatmentCourse.objects.filter(patient__in=[merged, survivor]).exclude(
        stage__in=rules.TERMINAL_STAGES
    )
    if (
        open_courses.filter(patient=merged).exists()
        and open_courses.filter(patient=survivor).exists()
    ):
        raise ValidationError(
            _(
                "Both records have a course under way; a clinician must end one before the "
                "records can be merged."
            )
        )
    reason = (reason or "").strip() or _("Duplicate record merged.")
    for course in TreatmentCourse.objects.select_for_update().filter(patient=merged):
        course.patient = survivor
        course.version += 1
        course._history_user = by
        course._change_reason = _("Moved from merged record %(mrn)s: %(reason)s") % {
            "mrn": merged.mrn,
            "reason": reason,
        }
        course.save()
    merged.merged_into = survivor
    merged.merged_at = timezone.now()
    merged.version += 1
    merged._history_user = by
    merged._change_reason = _("Merged into %(mrn)s: %(reason)s") % {
        "mrn": survivor.mrn,
        "reason": reason,
    }
    merged.save()
    return survivor
