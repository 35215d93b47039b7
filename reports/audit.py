"""The audit trail export: django-simple-history records of the clinical models.

Each history table is read in (record, time) order with .iterator(), keeping only the
previous version of the current record in memory to name the changed fields, so memory does
not grow with the number of rows. Only field names are exported, never their values.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps
from django.db import connection
from django.utils import timezone

from core.roles import Role

from .datasets import Filters

# The audit trail says who did what to which patient's record: auditors and administrators.
AUDIT_ROLES = frozenset({Role.ADMINISTRATOR, Role.AUDITOR})

# Apps whose history is the clinical record (users and wards are in core: their changes
# decide who may see what, so auditors want them too).
AUDITED_APPS = (
    "core",
    "patients",
    "eligibility",
    "apheresis",
    "infusion",
    "monitoring",
    "followup",
)
# Fields that change on every save and say nothing about what was edited.
NOISE_FIELDS = frozenset({"version", "updated_at"})
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}

AUDIT_HEADERS = [
    "changed_at",
    "changed_by",
    "change_type",
    "model",
    "record_id",
    "changed_fields",
    "change_reason",
    "history_id",
]

CHUNK_SIZE = 2000


def history_models() -> list:
    """The history models of the audited apps whose tables exist, in a stable order."""
    tables = set(connection.introspection.table_names())
    found = [
        model
        for model in apps.get_models()
        if hasattr(model, "instance_type")
        and model._meta.app_label in AUDITED_APPS
        and model._meta.db_table in tables
    ]
    return sorted(found, key=lambda m: m.instance_type._meta.label)


def _in_range(model, filters: Filters):
    qs = model.objects.all()
    if filters.date_from:
        qs = qs.filter(history_date__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(history_date__date__lte=filters.date_to)
    return qs


def audit_count(filters: Filters) -> int:
    return sum(_in_range(model, filters).count() for model in history_models())


def _tracked(model) -> list[str]:
    return [
        f.attname
        for f in model.tracked_fields
        if f.attname not in NOISE_FIELDS and not getattr(f, "auto_now", False)
    ]


def audit_rows(filters: Filters) -> Iterator[list]:
    for model in history_models():
        yield from _model_rows(model, filters)


def _model_rows(model, filters: Filters) -> Iterator[list]:
    label = model.instance_type._meta.label_lower
    fields = _tracked(model)
    # The records with a change in range, read from their start: a change's predecessor
    # may lie before the range and is needed to name the changed fields.
    records = model.objects.filter(id__in=_in_range(model, filters).values("id"))
    if filters.date_to:
        records = records.filter(history_date__date__lte=filters.date_to)
    records = records.select_related("history_user").order_by("id", "history_date", "history_id")
    previous = None
    for record in records.iterator(chunk_size=CHUNK_SIZE):
        same = previous is not None and previous.id == record.id
        changed = ""
        if record.history_type == "~" and same:
            changed = ";".join(
                f for f in fields if getattr(previous, f, None) != getattr(record, f, None)
            )
        previous = record
        if filters.date_from and timezone.localtime(record.history_date).date() < (
            filters.date_from
        ):
            continue
        user = record.history_user
        yield [
            record.history_date,
            user.username if user is not None else "",
            HISTORY_TYPES.get(record.history_type, record.history_type),
            label,
            record.id,
            changed,
            record.history_change_reason or "",
            record.history_id,
        ]
