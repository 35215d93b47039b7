"""Apheresis writes: the collection itself and its chain of custody."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse

from .. import rules, text
from ..models import (
    ChainOfIdentity,
    Collection,
    CollectionSchedule,
    CustodyEvent,
    CustodyKind,
    ManufacturingRecord,
    ScheduleStatus,
)
from .access import (
    COLLECTABLE_STAGES,
    _aware,
    _local_date,
    _lock_course,
    _not_future,
    _require_writer,
)
from .scheduling import coi_issue, schedule_blocking_checks

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
        patient_services.course_enter_stage(
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
        patient_services.course_enter_stage(
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
