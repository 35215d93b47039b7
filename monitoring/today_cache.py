"""The Today list's rows, rendered once and kept in the cache (issue 20 item 2).

The ward's nurses refresh the list every minute; nothing changes between most refreshes. The
rendered rows are kept per ward(s), language and role, under a key that carries a version
number per ward. Every write that changes what the list shows bumps the version of the
patient's ward (receivers below, connected in MonitoringConfig.ready), after its transaction
commits, so a reader never caches rows older than the version it read:

- monitoring: assessments, tasks (taken, done, missed), escalations (raised, acknowledged),
  interventions, the end of monitoring;
- patients: a course's stage (into or out of monitoring); any patient change (name, MRN,
  ward transfer, merge) bumps every ward, since the old ward is no longer on the row;
- follow-up: a discharge (the "outpatient" badge), by the course's reverse relation;
- the catalogue: a product's name, a label's monitoring window, a ward's name: every ward.

The monitoring sweep inserts new tasks with a raw INSERT (monitoring/services/sweep.py,
``_insert_new``), which sends no signal: it bumps the wards of the courses it gave tasks
itself (before, every page read the newest task id for its key: one query a request). The
rows also depend on the clock (a task comes due, the shift or the day ends, a treatment
leaves its 48 h): the cache keeps them until the first such moment
(``TodayList.fresh_until``), and never longer than FRESH_AT_MOST.

A user's name on a task taken ("· Nurse Ada") is not followed: a renamed user shows under the
old name until the rows expire.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import today_rows

FRESH_AT_MOST = timedelta(minutes=10)
EVERY_WARD = "every"
_PREFIX = "today:v:"
_local = threading.local()


def _version_key(scope) -> str:
    return f"{_PREFIX}{scope}"


def _new_version() -> int:
    # Unique after a cache restart or eviction, so an old key is never read back.
    return time.time_ns()


def versions(ward_ids) -> str:
    """The versions the rows of these wards (None: every ward) were built from."""
    scopes = [EVERY_WARD] + (["all"] if ward_ids is None else list(ward_ids))
    keys = [_version_key(s) for s in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _new_version(), None)
            found[key] = cache.get(key)
    return ".".join(str(found[k]) for k in keys)


def _bump(scopes) -> None:
    for scope in scopes:
        key = _version_key(scope)
        try:
            cache.incr(key)
        except ValueError:  # not there (first write, eviction): a fresh unique version
            cache.set(key, _new_version(), None)


def wards_changed(ward_ids) -> None:
    """The rows of these wards (and of "all wards") are out of date."""
    _bump([*{w for w in ward_ids if w is not None}, "all"])


def every_ward_changed() -> None:
    _bump([EVERY_WARD])


def courses_changed(course_ids) -> None:
    """Bump the wards of these courses now and again once the transaction commits.

    Only the second bump matters to other connections: a reader reads the versions before
    the rows, so rows read before the commit are cached under the version the commit then
    replaces. The first serves reads inside the same transaction (a test's, or a request's
    under ATOMIC_REQUESTS). Each course's ward is read once per transaction."""
    from patients.models import TreatmentCourse

    wards = _local.__dict__.setdefault("wards", {})
    unknown = [c for c in course_ids if c not in wards]
    if unknown:
        wards.update(
            TreatmentCourse.objects.filter(pk__in=unknown).values_list("pk", "patient__ward_id")
        )
    ward_ids = {wards.get(c) for c in course_ids}
    wards_changed(ward_ids)
    _local.__dict__.setdefault("pending", set()).update(ward_ids)
    transaction.on_commit(_committed)


def _committed() -> None:
    pending = _local.__dict__.pop("pending", set())
    _local.__dict__.pop("wards", None)
    if pending:
        wards_changed(pending)


# --- receivers ---------------------------------------------------------------------------


def _course_record_saved(sender, instance, **kwargs) -> None:
    courses_changed([instance.course_id])


def _course_saved(sender, instance, **kwargs) -> None:
    courses_changed([instance.pk])


def _everything_saved(sender, instance, **kwargs) -> None:
    _local.__dict__.pop("wards", None)  # a patient may have changed ward
    every_ward_changed()
    transaction.on_commit(every_ward_changed)


COURSE_RECORDS = (
    "monitoring.Assessment",
    "monitoring.MonitoringTask",
    "monitoring.Escalation",
    "monitoring.Intervention",
    "monitoring.MonitoringEnd",
    # Follow-up is a later stage: named, not imported (the course's reverse relation).
    "followup.Discharge",
)
EVERY_WARD_RECORDS = (
    "patients.Patient",
    "patients.WardTransfer",
    "core.Ward",
    "catalogue.CarTProduct",
    "catalogue.ProductLabel",
)


def connect() -> None:
    """Called once from MonitoringConfig.ready."""
    from django.apps import apps

    receivers = [(label, _course_record_saved) for label in COURSE_RECORDS]
    receivers += [("patients.TreatmentCourse", _course_saved)]
    receivers += [(label, _everything_saved) for label in EVERY_WARD_RECORDS]
    for label, receiver in receivers:
        model = apps.get_model(label)  # a LookupError here: a followed model moved; update
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, dispatch_uid=f"today:{label}")


# --- the rows --------------------------------------------------------------------------


def labels() -> dict[str, str]:
    """Every word of the rows, translated once per page, not once per row."""
    return {
        "outpatient": _("outpatient"),
        "may_end": _("monitoring may end — clinician to decide"),
        "past_window": _("past the label window: monitoring continues"),
        "assess": _("Assess"),
        "escalated": _("Escalated, awaiting clinician:"),
        "overdue": _("OVERDUE"),
        "due": _("Due"),
        "empty": _("No patient is being monitored on these wards."),
    }


def rows_html(user, *, ward_ids, can_assess: bool, build) -> str:
    """The rendered rows, from the cache or built now. ``ward_ids``: the wards shown (None:
    every ward, for programme-wide readers without a ward chosen); ``build()`` returns the
    selector's TodayList."""
    scope = "all" if ward_ids is None else ",".join(str(w) for w in sorted(ward_ids))
    key = (
        "today:rows:"
        + hashlib.sha1(
            "|".join(
                [
                    translation.get_language() or "",
                    "bedside" if can_assess else "reader",
                    scope,
                    versions(None if ward_ids is None else sorted(ward_ids)),
                ]
            ).encode()
        ).hexdigest()
    )
    # The moment the rows stop being true is kept with them and checked by this server's
    # clock; the cache's own expiry only frees the memory.
    now = timezone.now()
    cached = cache.get(key)
    if cached is not None and now < cached[0]:
        return mark_safe(cached[1])  # noqa: S308 (rendered by the template engine, escaped there)
    today = build()
    html = today_rows.rows_html(today.rows, labels=labels(), can_assess=can_assess)
    fresh_until = min(today.fresh_until, now + FRESH_AT_MOST)
    seconds = int((fresh_until - now).total_seconds())
    if seconds >= 1:
        cache.set(key, (fresh_until, html), seconds + 1)
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)
