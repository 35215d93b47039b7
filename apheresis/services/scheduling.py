"""Apheresis writes: chain of identity, collection scheduling and check overrides."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue import selectors as catalogue_selectors
from core import lab_sources
from core.models import User
from eligibility import selectors as eligibility_selectors
from patients.models import TreatmentCourse
from patients.selectors import user_can_see_patient

from .. import rules
from ..lab_services import COUNT_FIELD_NAMES
from ..models import (
    ChainOfIdentity,
    CheckOverride,
    CollectionSchedule,
    ScheduleStatus,
)
from .access import (
    SCHEDULABLE_STAGES,
    SCHEDULE_FIELDS,
    _lock_course,
    _require_writer,
    _stale,
    can_override,
)

# --- Chain of identity ---------------------------------------------------------------------


@transaction.atomic
def coi_issue(*, by: User, course: TreatmentCourse) -> ChainOfIdentity:
    """The course's one COI ID, issued once (idempotent): COI-<year>-<course serial>-<check>."""
    course = _lock_course(course)
    _require_writer(by, course)
    existing = ChainOfIdentity.objects.filter(course=course).first()
    if existing is not None:
        return existing
    now = timezone.now()
    coi = ChainOfIdentity(
        course=course,
        coi_id=rules.coi_make(year=timezone.localtime(now).year, serial=course.pk),
        issued_at=now,
        issued_by=by,
    )
    coi.full_clean()
    coi._history_user = by
    coi.save()
    return coi


# --- Scheduling ----------------------------------------------------------------------------


def therapies_for(course: TreatmentCourse) -> list[rules.Therapy]:
    """Washout therapies recorded at screening, read through eligibility's published
    selectors (README, Architecture), not through the course's ORM relation."""
    return [
        rules.Therapy(therapy_class=t.therapy_class, last_dose_date=t.last_dose_date)
        for t in eligibility_selectors.washout_therapies_for_course(course)
    ]


def pre_collection_thresholds():
    """The counts thresholds with the catalogue's washout days: the values an administrator
    keeps in the one threshold table, the same screening reads."""
    return {**rules.PRE_COLLECTION_THRESHOLDS, **catalogue_selectors.thresholds()}


def schedule_checks(
    schedule: CollectionSchedule, *, on: date | None = None
) -> tuple[rules.CheckResult, ...]:
    return rules.pre_collection_checks(
        collection_date=on or schedule.collection_date,
        alc_10e9_l=schedule.alc_10e9_l,
        cd3_cells_per_ul=schedule.cd3_cells_per_ul,
        counts_drawn_on=schedule.counts_drawn_on,
        venous_access=schedule.venous_access,
        therapies=therapies_for(schedule.course),
        thresholds=pre_collection_thresholds(),
    )


def schedule_blocking_checks(
    schedule: CollectionSchedule, *, on: date | None = None
) -> tuple[rules.CheckResult, ...]:
    overrides = schedule.overrides.values_list("check_code", "observed")
    return rules.blocking_checks(schedule_checks(schedule, on=on), overrides)


def _check_schedule_fields(schedule: CollectionSchedule, *, new: bool) -> None:
    errors = {}
    today = timezone.localdate()
    if new and schedule.collection_date and schedule.collection_date < today:
        errors["collection_date"] = _("A collection cannot be booked in the past.")
    if schedule.counts_drawn_on and schedule.counts_drawn_on > today:
        errors["counts_drawn_on"] = _("The counts cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def schedule_create(*, by: User, course: TreatmentCourse, **fields) -> CollectionSchedule:
    """Book an apheresis against the manufacturer's slot and issue the course's COI ID."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown schedule fields: {sorted(unknown)}")
    course = _lock_course(course)
    _require_writer(by, course)
    if course.stage not in SCHEDULABLE_STAGES:
        raise ValidationError(
            _(
                "A collection can be booked for an eligible or consented patient; "
                "this course is %(stage)s."
            )
            % {"stage": course.get_stage_display()}
        )
    if course.collection_schedules.filter(status=ScheduleStatus.PLANNED).exists():
        raise ValidationError(
            _("This course already has a collection planned; change or cancel it instead.")
        )
    schedule = CollectionSchedule(course=course, created_by=by, **fields)
    schedule.lab_sources = lab_sources.typed(
        {}, sorted(f for f in COUNT_FIELD_NAMES if fields.get(f) is not None), at=timezone.now()
    )
    _check_schedule_fields(schedule, new=True)
    schedule.full_clean()
    schedule._history_user = by
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:
        raise ValidationError(_("This course already has a collection planned.")) from None
    coi_issue(by=by, course=course)
    return schedule


@transaction.atomic
def schedule_update(
    *, by: User, schedule: CollectionSchedule, expected_version: int, **fields
) -> CollectionSchedule:
    """Change a planned collection (new counts, another slot). Overrides stay on record but
    cover only the values they were given for."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown schedule fields: {sorted(unknown)}")
    current = (
        CollectionSchedule.objects.select_for_update()
        .select_related("course__patient")
        .get(pk=schedule.pk)
    )
    _require_writer(by, current.course)
    if current.status != ScheduleStatus.PLANNED:
        raise ValidationError(
            _("This collection is %(status)s; it can no longer be changed.")
            % {"status": current.get_status_display()}
        )
    _stale(current, expected_version)
    retyped = [
        name
        for name, value in fields.items()
        if name in COUNT_FIELD_NAMES and getattr(current, name) != value
    ]
    for name, value in fields.items():
        setattr(current, name, value)
    current.lab_sources = lab_sources.typed(current.lab_sources, retyped, at=timezone.now())
    _check_schedule_fields(current, new="collection_date" in fields)
    current.full_clean()
    current.version += 1
    current._history_user = by
    current.save()
    schedule.refresh_from_db()
    return current


@transaction.atomic
def schedule_cancel(*, by: User, schedule: CollectionSchedule, reason: str) -> CollectionSchedule:
    current = (
        CollectionSchedule.objects.select_for_update()
        .select_related("course__patient")
        .get(pk=schedule.pk)
    )
    _require_writer(by, current.course)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the collection is cancelled.")})
    if current.status != ScheduleStatus.PLANNED:
        raise ValidationError(_("Only a planned collection can be cancelled."))
    current.status = ScheduleStatus.CANCELLED
    current.cancel_reason = reason
    current.version += 1
    current._history_user = by
    current._change_reason = reason
    current.save()
    schedule.refresh_from_db()
    return current


@transaction.atomic
def check_override(
    *, by: User, schedule: CollectionSchedule, check_code: str, reason: str
) -> CheckOverride:
    """A clinician accepts a failed check for this collection, saying why. The override is
    kept forever and covers only the value observed now."""
    current = (
        CollectionSchedule.objects.select_for_update()
        .select_related("course__patient")
        .get(pk=schedule.pk)
    )
    if not can_override(by):
        raise PermissionDenied(_("Only clinicians may override a pre-collection check."))
    if not user_can_see_patient(by, current.course.patient):
        raise PermissionDenied(_("You may not see this patient."))
    if current.status != ScheduleStatus.PLANNED:
        raise ValidationError(_("Only a planned collection's checks can be overridden."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An override needs a reason.")})
    check = next((c for c in schedule_checks(current) if c.code == check_code), None)
    if check is None:
        raise ValidationError({"check_code": _("There is no such check for this collection.")})
    if check.passed:
        raise ValidationError(
            {"check_code": _("This check has passed; there is nothing to override.")}
        )
    existing = current.overrides.filter(check_code=check.code, observed=check.observed).first()
    if existing is not None:
        raise ValidationError(
            {"check_code": _("Already overridden by %(who)s.") % {"who": existing.overridden_by}}
        )
    override = CheckOverride(
        schedule=current,
        check_code=check.code,
        observed=check.observed,
        reason=reason,
        overridden_by=by,
        overridden_at=timezone.now(),
    )
    override.full_clean()
    override._history_user = by
    override.save()
    return override
