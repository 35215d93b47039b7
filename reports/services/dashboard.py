"""Dashboard snapshots: the stored figures readers see, recomputed in the background."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from followup.selectors import pfs_censoring
from patients.models import TreatmentCourse

from ..models import CourseFigures, DashboardSnapshot
from ..selectors import Scope, course_figures, dashboard_figures, split_curve_points

logger = logging.getLogger(__name__)

# --- Dashboard snapshots ----------------------------------------------------------------
# The dashboard aggregates every infused course; computed per request it would cost more as
# the programme's history grows. Readers get the stored figures (with the time they were
# computed); a worker recomputes them in the background.

# Unviewed for this long, a filtered snapshot is dropped (the unfiltered one is kept).
SNAPSHOT_UNUSED_AFTER = timedelta(days=7)
# Snapshots viewed within this window are kept fresh by the beat sweep.
SNAPSHOT_KEPT_FRESH_WHILE_VIEWED = timedelta(days=1)
# last_viewed_at is written at most this often (a reader's GET should not write each time).
SNAPSHOT_VIEW_RESOLUTION = timedelta(hours=1)
# A queued refresh not done after this long is taken to be lost and may be queued again.
SNAPSHOT_REFRESH_LOST_AFTER = timedelta(minutes=15)


def snapshot_fresh_for() -> timedelta:
    return timedelta(seconds=settings.DASHBOARD_FRESH_SECONDS)


def snapshot_is_stale(snapshot: DashboardSnapshot, *, now) -> bool:
    return (
        snapshot.computed_at < now - snapshot_fresh_for()
        or snapshot.data.get("today") != timezone.localdate(now).isoformat()
    )


def _scope_fields(scope: Scope) -> dict:
    return {
        "diagnosis": scope.diagnosis,
        "infused_from": scope.infused_from,
        "infused_to": scope.infused_to,
    }


def dashboard_recompute(*, scope: Scope, now=None) -> DashboardSnapshot:
    """Compute the dashboard's figures for a filter and store them (one row per filter)."""
    now = now or timezone.now()
    started = time.perf_counter()
    course_figures_refresh(now=now)
    data, digest = dashboard_figures(today=timezone.localdate(now), scope=scope)
    curve_points = split_curve_points(data)
    seconds = round(time.perf_counter() - started, 3)
    # The figures are read outside the transaction that stores them: a long read must not
    # hold the row lock, and the last computation to finish wins, which is the newest.
    figures = {
        **_scope_fields(scope),
        "data": data,
        "computed_at": now,
        "compute_seconds": seconds,
        "refresh_requested_at": None,
    }
    curves = {"curve_points": curve_points, "curve_points_digest": digest}
    with transaction.atomic():
        snapshot = _locked_snapshot(scope.key)
        if snapshot is None:
            try:
                with transaction.atomic():
                    snapshot = DashboardSnapshot.objects.create(
                        scope_key=scope.key, **figures, **curves, last_viewed_at=now
                    )
                    created = True
            except IntegrityError:  # another worker stored the filter's first figures
                snapshot, created = _locked_snapshot(scope.key), False
        else:
            created = False
        if not created:
            # The survival step tables (most of the row) are written only when they changed.
            changed = {**figures, **(curves if snapshot.curve_points_digest != digest else {})}
            for name, value in {**figures, **curves}.items():
                setattr(snapshot, name, value)
            snapshot.save(update_fields=list(changed))
    logger.info("dashboard snapshot computed", extra={"scope": scope.key, "seconds": seconds})
    return snapshot


def _locked_snapshot(scope_key: str) -> DashboardSnapshot | None:
    """The filter's stored row, locked, without its two large columns (the recompute writes
    them, it does not read them)."""
    return (
        DashboardSnapshot.objects.select_for_update()
        .defer("data", "curve_points")
        .filter(scope_key=scope_key)
        .first()
    )


def _queue_refresh(snapshot: DashboardSnapshot, *, now) -> bool:
    """Queue one background refresh, unless one is already queued (conditional update)."""
    claimed = (
        DashboardSnapshot.objects.filter(pk=snapshot.pk)
        .filter(
            Q(refresh_requested_at__isnull=True)
            | Q(refresh_requested_at__lt=now - SNAPSHOT_REFRESH_LOST_AFTER)
        )
        .update(refresh_requested_at=now)
    )
    if claimed:
        from ..tasks import refresh_dashboard_snapshot

        key = snapshot.scope_key
        transaction.on_commit(lambda: refresh_dashboard_snapshot.delay(key))
    return bool(claimed)


def dashboard_snapshot_for_reader(*, scope: Scope, now=None) -> tuple[DashboardSnapshot, bool]:
    """The figures a reader sees, and whether they are stale.

    The first reader of a filter waits for the computation; later readers get the stored
    figures at once. Stale figures are shown (labelled with their time) while a worker
    recomputes them.
    """
    now = now or timezone.now()
    snapshot = DashboardSnapshot.objects.defer("curve_points").filter(scope_key=scope.key).first()
    if snapshot is None:
        return dashboard_recompute(scope=scope, now=now), False
    stale = snapshot_is_stale(snapshot, now=now)
    with transaction.atomic():
        if stale:
            _queue_refresh(snapshot, now=now)
        DashboardSnapshot.objects.filter(
            pk=snapshot.pk, last_viewed_at__lt=now - SNAPSHOT_VIEW_RESOLUTION
        ).update(last_viewed_at=now)
    return snapshot, stale


def dashboard_refresh_by_key(*, scope_key: str, now=None) -> DashboardSnapshot | None:
    """A worker's refresh of one stored filter (None when it was dropped meanwhile)."""
    snapshot = DashboardSnapshot.objects.filter(scope_key=scope_key).first()
    if snapshot is None:
        return None
    return dashboard_recompute(scope=snapshot_scope(snapshot), now=now)


def snapshot_scope(snapshot: DashboardSnapshot) -> Scope:
    return Scope(
        diagnosis=snapshot.diagnosis,
        infused_from=snapshot.infused_from,
        infused_to=snapshot.infused_to,
    )


def dashboard_refresh_sweep(*, now=None) -> dict:
    """Beat: keep the unfiltered figures and every filter viewed lately fresh, finish
    refreshes whose message was lost, and drop filters nobody has looked at for a week."""
    now = now or timezone.now()
    with transaction.atomic():
        dropped, _ = (
            DashboardSnapshot.objects.exclude(scope_key=Scope().key)
            .filter(last_viewed_at__lt=now - SNAPSHOT_UNUSED_AFTER)
            .delete()
        )
    refreshed = 0
    if not DashboardSnapshot.objects.filter(scope_key=Scope().key).exists():
        dashboard_recompute(scope=Scope(), now=now)
        refreshed += 1
    candidates = DashboardSnapshot.objects.filter(
        Q(scope_key=Scope().key)
        | Q(last_viewed_at__gte=now - SNAPSHOT_KEPT_FRESH_WHILE_VIEWED)
        | Q(refresh_requested_at__isnull=False)
    ).order_by("computed_at")
    for snapshot in candidates:
        if snapshot.refresh_requested_at is None and not snapshot_is_stale(snapshot, now=now):
            continue
        dashboard_recompute(scope=snapshot_scope(snapshot), now=now)
        refreshed += 1
    return {"refreshed": refreshed, "dropped": dropped}


# --- Per-course figures -----------------------------------------------------------------


def course_figures_mark_changed(*, course_ids: list[int]) -> int:
    """A write to these courses' records: their figures are refreshed by the next recompute.
    One UPDATE (a course without figures yet is computed anyway)."""
    return CourseFigures.objects.filter(course_id__in=course_ids).update(changes=F("changes") + 1)


def course_figures_refresh(*, full: bool = False, now=None) -> int:
    """Bring every course's figures up to date: compute those of new courses, of courses
    whose records changed since their last refresh and, after a change of PFS_CENSORING (or
    with full), of every course. Returns the number of courses computed."""
    now = now or timezone.now()
    convention = pfs_censoring()
    CourseFigures.objects.bulk_create(
        [
            CourseFigures(course_id=pk)
            for pk in TreatmentCourse.objects.filter(figures__isnull=True).values_list(
                "pk", flat=True
            )
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    stale = CourseFigures.objects.all()
    if not full:
        stale = stale.filter(Q(changes__gt=F("changes_seen")) | ~Q(pfs_censoring=convention))
    seen = dict(stale.values_list("course_id", "changes"))
    if not seen:
        return 0
    courses = TreatmentCourse.objects.filter(pk__in=list(seen))
    computed = course_figures.figures_of(courses, convention)
    rows = []
    for pk, fields in computed.items():
        row = CourseFigures(course_id=pk, computed_at=now, changes_seen=seen[pk], **_EMPTY)
        for name, value in fields.items():
            setattr(row, name, value)
        rows.append(row)
    # INSERT … ON CONFLICT DO UPDATE: one statement per batch (bulk_update's CASE per field
    # grows with the square of the batch).
    CourseFigures.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["course"],
        update_fields=_FIGURE_FIELDS,
        batch_size=2000,
    )
    return len(rows)


# A course's figures before they are computed from its records (no assessment, no outcome).
_EMPTY = {
    "assessment_count": 0,
    "crs_max_grade": None,
    "icans_max_grade": None,
    "tocilizumab_doses": 0,
    "corticosteroid_doses": 0,
    "icu_transfers": 0,
    "interval_days": [],
    "outcome_issue": False,
    "best_response": "",
    "pfs_days": None,
    "pfs_event": None,
    "os_days": None,
    "os_event": None,
}
_FIGURE_FIELDS = [*_EMPTY, "pfs_censoring", "computed_at", "changes_seen"]
