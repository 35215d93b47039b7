"""The history of one patient's chart, as people read it: who changed which field of which
record from what to what, when and why, additions and deletions included.

The Django admin shows history as version numbers; auditors and clinicians read it here, in the
app (issue 17). Every model with django-simple-history in the clinical apps takes part: a
record belongs to the chart when its foreign keys lead to the patient or one of her courses
within a few steps (a prior line → its screening → the course).
"""

from __future__ import annotations

import datetime
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import Signature
from core.signatures import signed_models
from core.system_text_legacy import translate
from patients.models import Patient, TreatmentCourse

from .audit import NOISE_FIELDS, history_models

MAX_HOPS = 3
# Foreign keys that lead to shared reference data or people, never to the chart.
_NOT_CHART = ("core", "auth", "contenttypes")


@dataclass(frozen=True)
class HistoryRow:
    changed_at: datetime.datetime
    changed_by: str
    change_type: str  # "created", "changed", "deleted"
    record_type: str  # the model's verbose name, in the reader's language
    record_key: str  # app_label.model, for the filter
    record_id: int
    field: str
    old: str
    new: str
    reason: str
    history_id: int = 0  # orders changes made in the same instant

    @property
    def change_label(self) -> str:
        return change_type_label(self.change_type)


CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def change_type_label(code: str) -> str:
    return {"created": _("created"), "changed": _("changed"), "deleted": _("deleted")}[code]


@cache
def _path_to_chart(model) -> tuple[str, type] | None:
    """The shortest chain of foreign keys from ``model`` to Patient or TreatmentCourse, as a
    lookup (``assessment__course``) and the model it reaches; None when the model is not part
    of a chart."""
    if model in (Patient, TreatmentCourse):
        return ("pk", model)
    queue = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if path.count("__") + 1 > MAX_HOPS:
            continue
        for field in current._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.related_model
            if target._meta.app_label in _NOT_CHART or target in seen:
                continue
            lookup = f"{path}__{field.name}" if path else field.name
            if target in (Patient, TreatmentCourse):
                return (lookup, target)
            seen.add(target)
            queue.append((target, lookup))
    return None


def in_charts(model) -> bool:
    """Whether the model's records belong to a patient's chart (its history is shown there)."""
    return model is Signature or _path_to_chart(model) is not None


def _chart_filter(model, patient: Patient, course_ids: list[int]) -> models.Q | None:
    found = _path_to_chart(model)
    if found is None:
        return None
    lookup, target = found
    if target is Patient:
        return models.Q(**{"id" if lookup == "pk" else f"{lookup}_id": patient.pk})
    if lookup == "pk":
        return models.Q(id__in=course_ids)
    return models.Q(**{f"{lookup}_id__in": course_ids})


def _signature_filter(patient: Patient, course_ids: list[int]) -> models.Q:
    """Signatures point at their record through a generic link (content type and id), which
    no foreign-key path follows: they belong to the chart when the signed record does (an MDT
    decision, a plan verification, a gate review, a bag check)."""
    found = models.Q(pk__in=[])
    for model in signed_models():
        record_q = _chart_filter(model, patient, course_ids)
        if record_q is None:
            continue
        found |= models.Q(
            content_type_id=ContentType.objects.get_for_model(model).pk,
            object_id__in=model._base_manager.filter(record_q).values("pk"),
        )
    return found


def _history_queryset(history_model, instance_model, chart_q):
    # History tables keep the foreign keys of each version: a one-step path is a column of the
    # history row; a longer path joins through the live table of the first step.
    return history_model.objects.filter(chart_q).select_related("history_user")


class _Display:
    """Values as a person reads them; related records named once per page."""

    def __init__(self):
        self._names: dict[tuple, str] = {}

    def value(self, field, raw) -> str:
        if raw is None or raw == "":
            return ""
        if _is_system_text(raw):
            return system_text.say(raw)
        if field.choices:
            return str(dict(field.flatchoices).get(raw, raw))
        if isinstance(field, models.ForeignKey):
            key = (field.related_model, raw)
            if key not in self._names:
                obj = field.related_model._base_manager.filter(pk=raw).first()
                self._names[key] = str(obj) if obj is not None else f"#{raw}"
            return self._names[key]
        if isinstance(raw, bool):
            return _("yes") if raw else _("no")
        if isinstance(raw, datetime.datetime):
            return timezone.localtime(raw).strftime("%Y-%m-%d %H:%M")
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        if isinstance(raw, Decimal):
            return format(raw.normalize(), "f")
        if isinstance(raw, list | tuple):
            labels = dict(getattr(field, "flatchoices", None) or [])
            return ", ".join(self._item(labels, v) for v in raw)
        return str(raw)

    @staticmethod
    def _item(labels: dict, item) -> str:
        # A JSON list may hold records (a gate review's items), which are no choice's key.
        if isinstance(item, dict):
            return "; ".join(f"{key}: {value}" for key, value in item.items())
        if isinstance(item, list):
            return str(item)
        return str(labels.get(item, item))


def _is_system_text(raw) -> bool:
    """A JSON value the system wrote as code and parameters (core.system_text), one or a list."""
    # Other JSON records have a "code" too (a gate review's items): only registered codes with
    # nothing but their parameters beside them are the system's words.
    registered = system_text.codes()
    items = raw if isinstance(raw, list) else [raw]
    return bool(items) and all(
        isinstance(i, dict) and set(i) <= {"code", "params"} and i.get("code") in registered
        for i in items
    )


def _fields(instance_model, history_model) -> list:
    names = {f.name for f in history_model.tracked_fields}
    return [
        f
        for f in instance_model._meta.concrete_fields
        if f.name in names
        and f.attname not in NOISE_FIELDS
        and not getattr(f, "auto_now", False)
        and f.name != "id"
    ]


def chart_history(
    patient: Patient,
    *,
    course: TreatmentCourse | None = None,
    record_key: str = "",
    user: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    field_text: str = "",
) -> list[HistoryRow]:
    """Every change to the patient's chart (or one course's part of it), newest first."""
    course_ids = [course.pk] if course else list(patient.courses.values_list("pk", flat=True))
    display = _Display()
    rows: list[HistoryRow] = []
    for history_model in history_models():
        instance_model = history_model.instance_type
        key = instance_model._meta.label_lower
        if record_key and key != record_key:
            continue
        if course is not None and instance_model is Patient:
            continue
        chart_q = _chart_filter(instance_model, patient, course_ids)
        if instance_model is Signature:
            chart_q = _signature_filter(patient, course_ids)
        if chart_q is None:
            continue
        fields = _fields(instance_model, history_model)
        records = _history_queryset(history_model, instance_model, chart_q).order_by(
            "id", "history_date", "history_id"
        )
        if date_to:
            records = records.filter(history_date__date__lte=date_to)
        if user:
            # The predecessor of a change by this user may be another user's: keep all of a
            # record's versions when any of them is this user's.
            ids = records.filter(history_user__username=user).values("id")
            records = records.filter(id__in=ids)
        rows.extend(_record_rows(records, fields, display, instance_model, key, user, date_from))
    if field_text:
        needle = field_text.casefold()
        rows = [r for r in rows if needle in r.field.casefold()]
    rows.sort(key=lambda r: (r.changed_at, r.history_id, r.record_key), reverse=True)
    return rows


def _record_rows(records, fields, display, instance_model, key, user, date_from):
    record_type = str(instance_model._meta.verbose_name)
    previous = None
    for record in records:
        same = previous is not None and previous.id == record.id
        before, previous = (previous if same else None), record
        who = record.history_user.username if record.history_user else ""
        if user and who != user:
            continue
        if date_from and timezone.localtime(record.history_date).date() < date_from:
            continue
        kind = CHANGE_TYPES.get(record.history_type, "changed")
        base = {
            "changed_at": record.history_date,
            "changed_by": who,
            "change_type": kind,
            "record_type": record_type,
            "record_key": key,
            "record_id": record.id,
            # Prose in one column; a sentence the system wrote is shown in the reader's language.
            "reason": translate(record.history_change_reason or ""),
            "history_id": record.history_id,
        }
        changed = False
        for field in fields:
            new = display.value(field, getattr(record, field.attname, None))
            if kind == "deleted":
                old, new = new, ""
            elif before is not None:
                old = display.value(field, getattr(before, field.attname, None))
            else:
                old = ""
            if old == new:
                continue
            changed = True
            yield HistoryRow(field=str(field.verbose_name), old=old, new=new, **base)
        if not changed:
            # Saved with no visible change (or a deletion of an empty row): still a version.
            yield HistoryRow(field="", old="", new="", **base)
