"""Every write of cell collection and manufacturing. Views, API, admin and demo data call
these and nothing else; each checks the role again, whatever the caller checked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import lab_sources
from core.models import User
from core.roles import Role
from core.uploads import check_upload_content, read_upload
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

from . import rules, text
from .lab_services import COUNT_FIELD_NAMES
from .models import (
    BagVerification,
    ChainOfIdentity,
    CheckOverride,
    Collection,
    CollectionSchedule,
    CustodyEvent,
    CustodyKind,
    ManufacturingRecord,
    ManufacturingStatus,
    OutOfSpecResult,
    ProductReceipt,
    ScanResult,
    ScheduleStatus,
    VerificationPurpose,
)

# The apheresis coordinator records collections, custody, manufacturing and receipt;
# clinicians may too. Only clinicians override a failed pre-collection check.
WRITER_ROLES = (Role.APHERESIS_COORDINATOR, Role.CLINICIAN)
OVERRIDE_ROLES = (Role.CLINICIAN,)
# Nurses (their own wards) scan bags; so do the coordinator and clinicians.
VERIFIER_ROLES = (Role.NURSE, Role.APHERESIS_COORDINATOR, Role.CLINICIAN)

SCHEDULABLE_STAGES = frozenset({Stage.ELIGIBLE, Stage.CONSENTED, Stage.APHERESIS})
COLLECTABLE_STAGES = frozenset({Stage.CONSENTED, Stage.APHERESIS})

SCHEDULE_FIELDS = (
    "manufacturer_slot_ref",
    "collection_date",
    "collection_site",
    "venous_access",
    "alc_10e9_l",
    "cd3_cells_per_ul",
    "counts_drawn_on",
    "notes",
)
MANUFACTURING_FIELDS = (
    "manufacturer_order_ref",
    "lot_number",
    "status",
    "manufacturing_started_on",
    "expected_release_on",
    "released_on",
    "failure_reason",
)

# Release certificates: PDF or a photograph of it, at most this size (institutional default).
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
CERTIFICATE_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


class StaleEditError(ValidationError):
    """The record changed after the user opened it."""


# --- Access --------------------------------------------------------------------------------


def can_write(user) -> bool:
    return user.is_authenticated and user.has_role(*WRITER_ROLES)


def can_override(user) -> bool:
    return user.is_authenticated and user.has_role(*OVERRIDE_ROLES)


def can_verify(user) -> bool:
    return user.is_authenticated and user.has_role(*VERIFIER_ROLES)


def _require_writer(by: User, course: TreatmentCourse) -> None:
    if not can_write(by):
        raise PermissionDenied(
            _("Only the apheresis coordinator and clinicians record collection and custody.")
        )
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))


def _lock_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _aware(field: str, moment) -> None:
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise ValidationError({field: _("Enter a date and time.")})


def _not_future(field: str, moment: datetime) -> None:
    if moment > timezone.now() + rules.CLOCK_SKEW:
        raise ValidationError({field: _("This time cannot be in the future.")})


def _stale(record, expected_version: int) -> None:
    if record.version != expected_version:
        who = record.history.order_by("-history_id").select_related("history_user").first()
        raise StaleEditError(
            _("This record was changed by %(who)s at %(when)s. Reload it and try again.")
            % {
                "who": (who.history_user if who and who.history_user else _("another user")),
                "when": formats.date_format(
                    timezone.localtime(who.history_date), "SHORT_DATETIME_FORMAT"
                )
                if who
                else "?",
            },
            code="stale",
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
    """Washout therapies recorded at screening (eligibility), when a screening exists."""
    try:
        screening = course.screening
    except ObjectDoesNotExist:
        return []
    return [
        rules.Therapy(therapy_class=t.therapy_class, last_dose_date=t.last_dose_date)
        for t in screening.washout_therapies.all()
    ]


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


# --- Collection ----------------------------------------------------------------------------


def _coi_id(course: TreatmentCourse) -> str:
    return ChainOfIdentity.objects.get(course=course).coi_id


@transaction.atomic
def collection_record(
    *,
    by: User,
    schedule: CollectionSchedule,
    collected_at: datetime,
    blood_volumes_processed: Decimal,
    product_volume_ml: Decimal,
    total_nucleated_cells_10e9: Decimal,
    cd3_cells_10e9: Decimal,
    staff: str,
    adverse_events: str = "",
) -> Collection:
    """Record a collection. Refused while a pre-collection check fails without a clinician's
    override. Logs the first custody event and moves a consented course to apheresis."""
    course = _lock_course(schedule.course)
    _require_writer(by, course)
    schedule = CollectionSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status != ScheduleStatus.PLANNED:
        raise ValidationError(
            _("This collection is %(status)s; it cannot be recorded again.")
            % {"status": schedule.get_status_display()}
        )
    if course.stage not in COLLECTABLE_STAGES:
        raise ValidationError(
            _("Cells are collected from a consented patient; this course is %(stage)s.")
            % {"stage": course.get_stage_display()}
        )
    _aware("collected_at", collected_at)
    _not_future("collected_at", collected_at)
    if _local_date(collected_at) != schedule.collection_date:
        raise ValidationError(
            {
                "collected_at": _(
                    "This collection was booked for %(date)s. Change the booked date first, "
                    "so the pre-collection checks are judged on the right day."
                )
                % {"date": schedule.collection_date.isoformat()}
            }
        )
    blocking = schedule_blocking_checks(schedule)
    if blocking:
        raise ValidationError(
            _(
                "Collection blocked by failed pre-collection checks: %(checks)s. "
                "Fix the values, or a clinician may override each check with a reason."
            )
            % {
                "checks": "; ".join(
                    f"{text.check_label(c.code)} — {text.check_message(c)}" for c in blocking
                )
            },
            code="blocked",
        )
    coi = coi_issue(by=by, course=course)
    collection = Collection(
        course=course,
        schedule=schedule,
        coi_id=coi.coi_id,
        collected_at=collected_at,
        blood_volumes_processed=blood_volumes_processed,
        product_volume_ml=product_volume_ml,
        total_nucleated_cells_10e9=total_nucleated_cells_10e9,
        cd3_cells_10e9=cd3_cells_10e9,
        staff=(staff or "").strip(),
        adverse_events=(adverse_events or "").strip(),
        recorded_by=by,
    )
    collection.full_clean()
    collection._history_user = by
    collection.save()
    schedule.status = ScheduleStatus.COLLECTED
    schedule.version += 1
    schedule._history_user = by
    schedule.save()
    _custody_append(
        by=by,
        collection=collection,
        kind=CustodyKind.COLLECTED,
        occurred_at=collected_at,
        place=schedule.collection_site,
        handled_by=collection.staff,
    )
    record = ManufacturingRecord(collection=collection, coi_id=coi.coi_id, updated_by=by)
    record._history_user = by
    record.save()
    if course.stage == Stage.CONSENTED:
        patient_services.course_change_stage(
            by=by, course=course, to_stage=Stage.APHERESIS, effective_date=_local_date(collected_at)
        )
    return collection


# --- Chain of custody ----------------------------------------------------------------------


def _logged(events) -> list[rules.LoggedEvent]:
    return [rules.LoggedEvent(e.pk, e.kind, e.occurred_at, e.corrects_id, e.void) for e in events]


def custody_chain(collection: Collection) -> tuple[rules.LoggedEvent, ...]:
    """The chain as it stands (corrections applied) from the full log."""
    return rules.effective_chain(_logged(collection.custody_events.all()))


def _steps(chain) -> list[rules.CustodyStep]:
    return [rules.CustodyStep(e.kind, e.occurred_at) for e in chain]


def _custody_append(*, by, collection, kind, occurred_at, place, handled_by, **extra):
    chain = custody_chain(collection)
    check = rules.check_custody_next(
        chain=_steps(chain), kind=kind, occurred_at=occurred_at, now=timezone.now()
    )
    if not check.allowed:
        raise ValidationError(
            {
                "occurred_at"
                if check.code in ("future", "before_previous")
                else "kind": text.custody_refusal(check, kind)
            },
            code=check.code,
        )
    event = CustodyEvent(
        collection=collection,
        coi_id=collection.coi_id,
        kind=kind,
        occurred_at=occurred_at,
        place=(place or "").strip(),
        handled_by=(handled_by or "").strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
        **extra,
    )
    event.full_clean()
    event._history_user = by
    event.save()
    return event


def _lock_collection(collection: Collection) -> Collection:
    # One writer at a time per chain: the order checks read the chain they append to.
    return (
        Collection.objects.select_for_update()
        .select_related("course__patient", "course__product")
        .get(pk=collection.pk)
    )


# Steps logged by their own record, never on their own: the collection and the receipt.
RECORDED_ELSEWHERE = {
    CustodyKind.COLLECTED: "collection",
    CustodyKind.RECEIVED_AT_SITE: "receipt",
}


@transaction.atomic
def custody_record(
    *,
    by: User,
    collection: Collection,
    kind: str,
    occurred_at: datetime,
    place: str,
    handled_by: str,
    temperature_c: Decimal | None = None,
    notes: str = "",
) -> CustodyEvent:
    """Append a step to the chain of custody, refusing one out of order. Handing the cells
    to the courier moves the course to manufacturing."""
    collection = _lock_collection(collection)
    _require_writer(by, collection.course)
    if kind not in CustodyKind.values:
        raise ValidationError({"kind": _("Choose an event from the list.")})
    if kind == CustodyKind.COLLECTED:
        raise ValidationError({"kind": _("“Collected” is logged when the collection is recorded.")})
    if kind == CustodyKind.RECEIVED_AT_SITE:
        raise ValidationError(
            {"kind": _("Record the product receipt (lot, dose, certificate) to log its arrival.")}
        )
    _aware("occurred_at", occurred_at)
    event = _custody_append(
        by=by,
        collection=collection,
        kind=kind,
        occurred_at=occurred_at,
        place=place,
        handled_by=handled_by,
        temperature_c=temperature_c,
        notes=(notes or "").strip(),
    )
    course = collection.course
    if kind == CustodyKind.HANDED_TO_COURIER and course.stage == Stage.APHERESIS:
        patient_services.course_change_stage(
            by=by,
            course=course,
            to_stage=Stage.MANUFACTURING,
            effective_date=min(_local_date(occurred_at), timezone.localdate()),
        )
    return event


@transaction.atomic
def custody_correct(
    *,
    by: User,
    event: CustodyEvent,
    reason: str,
    occurred_at: datetime | None = None,
    place: str | None = None,
    handled_by: str | None = None,
    temperature_c: Decimal | None = None,
    void: bool = False,
) -> CustodyEvent:
    """Correct a logged step with a new event that names it; the original stays in the log.
    `void` says the step did not happen (entered in error); only the last step may be."""
    collection = _lock_collection(event.collection)
    _require_writer(by, collection.course)
    original = event.corrects if event.corrects_id else event
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"notes": _("A correction must say why.")})
    if void and original.kind in RECORDED_ELSEWHERE:
        raise ValidationError(
            {
                "void": _("This step belongs to its %(record)s and cannot be voided.")
                % {"record": RECORDED_ELSEWHERE[original.kind]}
            }
        )
    latest = original.corrections.order_by("-id").first() or original
    if latest.void:
        raise ValidationError(_("This step has already been marked as entered in error."))
    occurred_at = occurred_at or latest.occurred_at
    _aware("occurred_at", occurred_at)
    chain = [e for e in custody_chain(collection) if e.id != original.pk]
    check = rules.check_custody_correction(
        chain=_steps(chain),
        kind=original.kind,
        occurred_at=occurred_at,
        now=timezone.now(),
        void=void,
    )
    if not check.allowed:
        raise ValidationError(
            {"occurred_at": text.custody_refusal(check, original.kind)}, code=check.code
        )
    correction = CustodyEvent(
        collection=collection,
        coi_id=collection.coi_id,
        kind=original.kind,
        occurred_at=occurred_at,
        place=(place if place is not None else latest.place).strip(),
        handled_by=(handled_by if handled_by is not None else latest.handled_by).strip(),
        temperature_c=temperature_c if temperature_c is not None else latest.temperature_c,
        notes=reason,
        corrects=original,
        void=void,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    correction.full_clean()
    correction._history_user = by
    correction.save()
    return correction


# --- Manufacturing -------------------------------------------------------------------------


@transaction.atomic
def manufacturing_update(
    *, by: User, collection: Collection, expected_version: int, **fields
) -> ManufacturingRecord:
    unknown = set(fields) - set(MANUFACTURING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown manufacturing fields: {sorted(unknown)}")
    collection = _lock_collection(collection)
    _require_writer(by, collection.course)
    record = ManufacturingRecord.objects.select_for_update().get(collection=collection)
    _stale(record, expected_version)
    if hasattr(collection, "receipt"):
        raise ValidationError(
            _("The product has been received; its manufacturing record is closed.")
        )
    for name, value in fields.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    _check_manufacturing(record)
    record.updated_by = by
    record.version += 1
    record.full_clean()
    record._history_user = by
    record.save()
    return record


def _check_manufacturing(record: ManufacturingRecord) -> None:
    errors = {}
    today = timezone.localdate()
    for name in ("manufacturing_started_on", "released_on"):
        value = getattr(record, name)
        if value and value > today:
            errors[name] = _("This date cannot be in the future.")
    collected_on = _local_date(record.collection.collected_at)
    if record.manufacturing_started_on and record.manufacturing_started_on < collected_on:
        errors["manufacturing_started_on"] = _("Manufacturing cannot start before the collection.")
    if (
        record.released_on
        and record.manufacturing_started_on
        and record.released_on < record.manufacturing_started_on
    ):
        errors["released_on"] = _("Release cannot come before manufacturing started.")
    released = record.status in (
        ManufacturingStatus.RELEASED,
        ManufacturingStatus.RELEASED_OUT_OF_SPEC,
    )
    if released and not record.released_on:
        errors["released_on"] = _("Enter the release date.")
    if released and not record.lot_number:
        errors["lot_number"] = _("A released product has a lot number.")
    if record.status == ManufacturingStatus.FAILED and not record.failure_reason:
        errors["failure_reason"] = _("Say why manufacturing failed.")
    if (
        record.status == ManufacturingStatus.RELEASED_OUT_OF_SPEC
        and record.pk
        and not record.oos_results.exists()
    ):
        errors["status"] = _("Record the out-of-specification results first.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def oos_record(
    *,
    by: User,
    collection: Collection,
    parameter: str,
    result: str,
    specification: str,
    notes: str = "",
) -> OutOfSpecResult:
    collection = _lock_collection(collection)
    _require_writer(by, collection.course)
    record = ManufacturingRecord.objects.get(collection=collection)
    oos = OutOfSpecResult(
        manufacturing=record,
        parameter=(parameter or "").strip(),
        result=(result or "").strip(),
        specification=(specification or "").strip(),
        notes=(notes or "").strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    oos.full_clean()
    oos._history_user = by
    oos.save()
    return oos


# --- Product receipt -----------------------------------------------------------------------


def validate_certificate(upload) -> None:
    """A PDF or an image of the release certificate, checked by content, not only by name."""
    if upload is None:
        raise ValidationError({"release_certificate": _("Attach the release certificate.")})
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in CERTIFICATE_SIGNATURES:
        raise ValidationError(
            {"release_certificate": _("The certificate must be a PDF, PNG or JPEG file.")}
        )
    if upload.size > CERTIFICATE_MAX_BYTES:
        raise ValidationError(
            {
                "release_certificate": _("The certificate is larger than %(mb)s MB.")
                % {"mb": CERTIFICATE_MAX_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in CERTIFICATE_SIGNATURES[extension]):
        raise ValidationError(
            {
                "release_certificate": _("The file's content is not a %(type)s.")
                % {"type": extension.upper()}
            }
        )
    try:
        check_upload_content(read_upload(upload), extension)
    except ValidationError as error:
        raise ValidationError({"release_certificate": error.messages}) from error


@transaction.atomic
def product_receive(
    *,
    by: User,
    collection: Collection,
    lot_number: str,
    received_at: datetime,
    total_cells_10e6: Decimal,
    viability_percent: Decimal,
    release_certificate,
    storage_location: str,
    place: str,
    bag_count: int = 1,
    temperature_c: Decimal | None = None,
    notes: str = "",
) -> ProductReceipt:
    """Receive the released product: lot (must match the manufacturer's), dose, viability and
    certificate. Logs "received at site" on the chain of custody."""
    collection = _lock_collection(collection)
    course = collection.course
    _require_writer(by, course)
    if ProductReceipt.objects.filter(collection=collection).exists():
        raise ValidationError(_("This product has already been received."))
    record = ManufacturingRecord.objects.get(collection=collection)
    if record.status not in (
        ManufacturingStatus.RELEASED,
        ManufacturingStatus.RELEASED_OUT_OF_SPEC,
    ):
        raise ValidationError(
            _("The manufacturer has not released this product (status: %(status)s).")
            % {"status": record.get_status_display()}
        )
    lot_number = (lot_number or "").strip()
    if record.lot_number and lot_number != record.lot_number:
        raise ValidationError(
            {
                "lot_number": _(
                    "Lot %(lot)s does not match the manufacturer's lot %(expected)s for this "
                    "COI ID. Do not accept the product; contact the manufacturer."
                )
                % {"lot": lot_number, "expected": record.lot_number}
            }
        )
    _aware("received_at", received_at)
    validate_certificate(release_certificate)
    receipt = ProductReceipt(
        collection=collection,
        coi_id=collection.coi_id,
        lot_number=lot_number,
        received_at=received_at,
        bag_count=bag_count,
        total_cells_10e6=total_cells_10e6,
        viability_percent=viability_percent,
        storage_location=(storage_location or "").strip(),
        received_by=by,
    )
    if course.product.code in rules.WEIGHT_DOSED_PRODUCTS and total_cells_10e6:
        receipt.weight_kg_for_dose = course.patient.weight_kg
        receipt.dose_per_kg_10e6 = rules.dose_per_kg_10e6(
            total_cells_10e6=total_cells_10e6, weight_kg=course.patient.weight_kg
        )
    receipt.release_certificate = release_certificate
    receipt.full_clean()
    _custody_append(
        by=by,
        collection=collection,
        kind=CustodyKind.RECEIVED_AT_SITE,
        occurred_at=received_at,
        place=place,
        handled_by=str(by),
        temperature_c=temperature_c,
        notes=(notes or "").strip(),
    )
    receipt._history_user = by
    receipt.save()
    return receipt


# --- Bag verification ----------------------------------------------------------------------


def bag_verify(
    *, by: User, course: TreatmentCourse, scanned_text: str, purpose: str
) -> BagVerification:
    """Compare a bag's COI ID with the patient's. Every attempt is logged, the refused ones
    too; the caller shows a refusal loudly (verification.matched is False)."""
    if not can_verify(by):
        raise PermissionDenied(_("Your role may not verify bags."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))
    if purpose not in VerificationPurpose.values:
        raise ValidationError({"purpose": _("Choose what the bag is being checked for.")})
    coi = ChainOfIdentity.objects.filter(course=course).first()
    expected = coi.coi_id if coi else ""
    result = (
        rules.coi_compare(scanned=scanned_text, expected=expected) if coi else ScanResult.NO_COI
    )
    with transaction.atomic():
        verification = BagVerification(
            course=course,
            expected_coi_id=expected,
            scanned_text=(scanned_text or "")[:200],
            result=result,
            purpose=purpose,
            verified_by=by,
            verified_at=timezone.now(),
        )
        verification._history_user = by
        verification.save()
    return verification


def certificate_limit_mb() -> int:
    return CERTIFICATE_MAX_BYTES // (1024 * 1024)
