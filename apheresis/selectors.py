"""Reads of collection and custody, always through the role rules (patients.selectors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from patients.models import Stage, StageEvent, TreatmentCourse
from patients.selectors import courses_visible_to

from . import rules, services, text
from .models import (
    BagVerification,
    ChainOfIdentity,
    CheckOverride,
    Collection,
    CollectionSchedule,
    CustodyEvent,
    CustodyKind,
    ProductReceipt,
    ScanResult,
    ScheduleStatus,
    VerificationPurpose,
)

# --- Access --------------------------------------------------------------------------------


def collections_visible_to(user) -> QuerySet[Collection]:
    return Collection.objects.filter(
        course__in=courses_visible_to(user).values("pk")
    ).select_related("course__patient__ward", "course__product", "schedule")


def collection_for_user(user, pk) -> Collection:
    try:
        return collections_visible_to(user).get(pk=pk)
    except (Collection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def schedules_visible_to(user) -> QuerySet[CollectionSchedule]:
    return CollectionSchedule.objects.filter(
        course__in=courses_visible_to(user).values("pk")
    ).select_related("course__patient__ward", "course__product")


def schedule_for_user(user, pk) -> CollectionSchedule:
    try:
        return schedules_visible_to(user).get(pk=pk)
    except (CollectionSchedule.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def custody_event_for_user(user, pk) -> CustodyEvent:
    try:
        return (
            CustodyEvent.objects.filter(collection__in=collections_visible_to(user).values("pk"))
            .select_related("collection__course__patient")
            .get(pk=pk)
        )
    except (CustodyEvent.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Chain of identity ---------------------------------------------------------------------


def coi_for(course: TreatmentCourse) -> ChainOfIdentity | None:
    return ChainOfIdentity.objects.filter(course=course).first()


def coi_verifiers(
    course: TreatmentCourse, *, purpose: str | None = None, since: datetime | None = None
) -> list:
    """The distinct users who matched the course's bag to its COI ID, first match first."""
    matches = BagVerification.objects.filter(course=course, result=ScanResult.MATCH)
    if purpose:
        matches = matches.filter(purpose=purpose)
    if since is not None:
        matches = matches.filter(verified_at__gte=since)
    seen, users = set(), []
    for verification in matches.select_related("verified_by").order_by("verified_at", "id"):
        if verification.verified_by_id not in seen:
            seen.add(verification.verified_by_id)
            users.append(verification.verified_by)
    return users


def coi_double_verified(
    course: TreatmentCourse, *, purpose: str | None = None, since: datetime | None = None
) -> bool:
    """True when two different users have each matched the course's bag to its COI ID
    (optionally for one purpose, e.g. "bedside", and since a time, e.g. the thaw). For the
    infusion's "COI verified by two different users"."""
    return len(coi_verifiers(course, purpose=purpose, since=since)) >= 2


# --- Pre-collection checks -----------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    check: rules.CheckResult
    label: str
    message: str
    covering: CheckOverride | None  # the override that covers the value observed now
    overrides: tuple[CheckOverride, ...]  # every override of this check, kept forever

    @property
    def blocks(self) -> bool:
        return not self.check.passed and self.covering is None


def schedule_check_rows(schedule: CollectionSchedule) -> list[CheckRow]:
    overrides = list(schedule.overrides.select_related("overridden_by"))
    rows = []
    for check in services.schedule_checks(schedule):
        mine = tuple(o for o in overrides if o.check_code == check.code)
        covering = next((o for o in mine if o.observed == check.observed), None)
        rows.append(
            CheckRow(
                check=check,
                label=text.check_label(check.code),
                message=text.check_message(check),
                covering=covering if not check.passed else None,
                overrides=mine,
            )
        )
    # An override whose check no longer exists (e.g. a therapy removed) stays visible too.
    codes = {row.check.code for row in rows}
    orphans = [o for o in overrides if o.check_code not in codes]
    return rows + [
        CheckRow(
            check=rules.CheckResult(o.check_code, True, o.observed, {}),
            label=text.check_label(o.check_code),
            message="",
            covering=None,
            overrides=(o,),
        )
        for o in orphans
    ]


# --- Chain of custody ----------------------------------------------------------------------


@dataclass(frozen=True)
class LogRow:
    event: CustodyEvent
    superseded: bool  # a later correction replaces it
    in_effect: bool  # part of the chain as it stands


def _effective_events(events: list[CustodyEvent]) -> list[CustodyEvent]:
    """The events in effect (each step's latest correction), in custody order."""
    by_id = {e.pk: e for e in events}
    latest: dict[int, CustodyEvent] = {}
    for e in sorted(events, key=lambda e: e.pk):
        if e.corrects_id:
            latest[e.corrects_id] = e
    chain = rules.effective_chain(services._logged(events))
    return [latest.get(step.id, by_id[step.id]) for step in chain]


def custody_log(collection: Collection) -> list[LogRow]:
    """Every event ever logged, in the order recorded, marked with what is in effect."""
    events = list(
        collection.custody_events.select_related("recorded_by", "corrects").order_by(
            "recorded_at", "id"
        )
    )
    in_effect = {e.pk for e in _effective_events(events)}
    latest: dict[int, int] = {}
    for e in sorted(events, key=lambda e: e.pk):
        latest[e.corrects_id or e.pk] = e.pk
    return [LogRow(e, latest[e.corrects_id or e.pk] != e.pk, e.pk in in_effect) for e in events]


def effective_steps(collection: Collection) -> list[CustodyEvent]:
    """The chain as it stands, as events (the latest correction of each step)."""
    return _effective_events(list(collection.custody_events.all()))


def custody_last_place(kind: str | None) -> str:
    """Where this step was last logged (any bag): the usual place, to prefill the scan form."""
    if not kind:
        return ""
    event = CustodyEvent.objects.filter(kind=kind).exclude(place="").order_by("-id").first()
    return event.place if event else ""


# --- Vein-to-vein --------------------------------------------------------------------------


def infusion_moment(course: TreatmentCourse) -> tuple[datetime | None, object]:
    """(time, date) of the infusion. The stage change's time counts only when it was recorded
    on the infusion day itself; otherwise only the date (Day 0) is known."""
    if course.day0_date is None:
        return None, None
    event = (
        StageEvent.objects.filter(course=course, to_stage=Stage.INFUSION)
        .order_by("-occurred_at")
        .first()
    )
    if event and timezone.localtime(event.occurred_at).date() == course.day0_date:
        return event.occurred_at, course.day0_date
    return None, course.day0_date


def vein_to_vein_for(collection: Collection, *, now: datetime | None = None) -> rules.VeinToVein:
    course = collection.course
    infused_at, infusion_date = infusion_moment(course)
    return rules.vein_to_vein(
        collected_at=collection.collected_at,
        tz=timezone.get_current_timezone(),
        infused_at=infused_at,
        infusion_date=infusion_date if infused_at is None else None,
        # A collection may be logged a few minutes ahead of the server's clock.
        now=max(now or timezone.now(), collection.collected_at),
        planned_day0=course.planned_day0_date,
    )


# --- The coordinator's board ---------------------------------------------------------------

AWAITING_SHIPMENT = frozenset({CustodyKind.COLLECTED, CustodyKind.PACKED})


@dataclass(frozen=True)
class BoardRow:
    collection: Collection
    last_step: str
    last_event: CustodyEvent | None
    vein_to_vein: rules.VeinToVein


def coordinator_board(user) -> dict:
    """Upcoming collections, cells on their way or at the manufacturer, products in storage."""
    today = timezone.localdate()
    upcoming = list(
        schedules_visible_to(user)
        .filter(status=ScheduleStatus.PLANNED)
        .order_by("collection_date", "id")
    )
    events = CustodyEvent.objects.order_by("recorded_at", "id")
    collections = (
        collections_visible_to(user)
        .filter(course__stage__in=[s for s in Stage.values if s not in _ENDED])
        .prefetch_related(Prefetch("custody_events", queryset=events))
        .order_by("collected_at")
    )
    now = timezone.now()
    groups: dict[str, list[BoardRow]] = {
        "awaiting_shipment": [],
        "to_manufacturer": [],
        "at_manufacturer": [],
        "to_site": [],
        "in_storage": [],
    }
    for collection in collections:
        effective = _effective_events(list(collection.custody_events.all()))
        if not effective or effective[-1].kind == CustodyKind.THAWED:
            continue
        last_event = effective[-1]
        last = last_event.kind
        row = BoardRow(collection, last, last_event, _v2v(collection, now))
        if last in AWAITING_SHIPMENT:
            groups["awaiting_shipment"].append(row)
        elif last in rules.IN_TRANSIT_TO_MANUFACTURER:
            groups["to_manufacturer"].append(row)
        elif last in rules.AT_MANUFACTURER:
            groups["at_manufacturer"].append(row)
        elif last in rules.IN_TRANSIT_TO_SITE:
            groups["to_site"].append(row)
        elif last in rules.AT_SITE:
            groups["in_storage"].append(row)
    return {"today": today, "to_book": consented_not_booked(user), "upcoming": upcoming, **groups}


def consented_not_booked(user) -> list[TreatmentCourse]:
    """Consented courses with no collection booked and none collected: the next step is to
    book one (oldest referral first)."""
    return list(
        courses_visible_to(user)
        .filter(stage=Stage.CONSENTED)
        .exclude(collection_schedules__status=ScheduleStatus.PLANNED)
        .exclude(collections__isnull=False)
        .select_related("patient", "product")
        .order_by("referred_on", "id")
    )


_ENDED = frozenset({Stage.COMPLETED, Stage.WITHDRAWN, Stage.DECEASED})


def _v2v(collection: Collection, now: datetime) -> rules.VeinToVein:
    # The board lists products not yet thawed: vein-to-vein so far and to the planned Day 0.
    return rules.vein_to_vein(
        collected_at=collection.collected_at,
        tz=timezone.get_current_timezone(),
        now=max(now, collection.collected_at),
        planned_day0=collection.course.planned_day0_date,
    )


def course_collections(course: TreatmentCourse) -> QuerySet[Collection]:
    return (
        Collection.objects.filter(course=course)
        .select_related("schedule", "recorded_by", "manufacturing", "receipt__received_by")
        .prefetch_related("schedule__overrides__overridden_by", "manufacturing__oos_results")
        .order_by("-collected_at")
    )


def verifications_for(course: TreatmentCourse, *, limit: int = 20) -> list[BagVerification]:
    return list(
        BagVerification.objects.filter(course=course)
        .select_related("verified_by")
        .order_by("-verified_at", "-id")[:limit]
    )


# --- The bedside bag check (published for the infusion stage) ------------------------------


def _day_bounds(on: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(on, time.min), timezone.get_current_timezone())
    return start, start + timedelta(days=1)


def bedside_verifiers(course: TreatmentCourse, on: date) -> list:
    """The distinct users who matched the bag to the patient at the bedside on ``on``."""
    start, end = _day_bounds(on)
    matches = BagVerification.objects.filter(
        course=course,
        purpose=VerificationPurpose.BEDSIDE,
        result=ScanResult.MATCH,
        verified_at__gte=start,
        verified_at__lt=end,
    )
    seen, users = set(), []
    for verification in matches.select_related("verified_by").order_by("verified_at", "id"):
        if verification.verified_by_id not in seen:
            seen.add(verification.verified_by_id)
            users.append(verification.verified_by)
    return users


def last_bedside_check_at(course: TreatmentCourse) -> datetime | None:
    """When the bag was last scanned at the bedside, matched or not: a gate review made
    before it no longer describes the bag (infusion.selectors.current_review)."""
    return (
        BagVerification.objects.filter(course=course, purpose=VerificationPurpose.BEDSIDE)
        .order_by("-verified_at")
        .values_list("verified_at", flat=True)
        .first()
    )


def bedside_verifications_visible_to(user) -> QuerySet[BagVerification]:
    return BagVerification.objects.filter(
        course__in=courses_visible_to(user).values("pk"), purpose=VerificationPurpose.BEDSIDE
    )


def receipt_for_course(course: TreatmentCourse) -> ProductReceipt | None:
    """The course's latest product receipt, with its manufacturing record."""
    return (
        ProductReceipt.objects.filter(collection__course=course)
        .select_related("collection__manufacturing")
        .order_by("-received_at")
        .first()
    )
