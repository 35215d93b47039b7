"""Managers for audited clinical models: nothing changes them without a history row.

Queryset ``update()``, ``bulk_update()`` and ``delete()`` write to the database without
calling ``save()``, so django-simple-history would record nothing. Audited models refuse
them. A conditional change (a claim) goes through ``audited_update()``, which locks the
matching rows, saves each one, and so writes one history row per record.
"""

import contextlib
import contextvars
import functools

from django.db import models, transaction
from django.db.models import QuerySet


class AuditBypassError(RuntimeError):
    pass


class AuditedQuerySet(models.QuerySet):
    def _refuse(self, what: str):
        raise AuditBypassError(
            f"{self.model.__name__}: {what} would bypass the audit trail; "
            "change records through their service (save()) or audited_update()."
        )

    def update(self, **kwargs):
        self._refuse("queryset.update()")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("bulk_update()")

    def delete(self):
        self._refuse("queryset.delete()")

    def audited_update(self, *, by=None, reason: str = "", **changes) -> int:
        """Change every row that matches, with history; returns how many rows changed.

        The rows are locked first (FOR UPDATE): on PostgreSQL a row changed by a concurrent
        transaction is checked against the filter again, so two claimants cannot both win.
        """
        with transaction.atomic():
            rows = list(self.select_for_update())
            for row in rows:
                for name, value in changes.items():
                    setattr(row, name, value)
                if by is not None:
                    row._history_user = by
                if reason:
                    row._change_reason = reason
                row.save(update_fields=list(changes))
        return len(rows)


AuditedManager = models.Manager.from_queryset(AuditedQuerySet)


class NoDeleteMixin:
    """Clinical records are never deleted; they are corrected or ended."""

    def delete(self, *args, **kwargs):
        raise AuditBypassError(f"{type(self).__name__} records are never deleted.")


# --- Every queryset, not only the audited managers ------------------------------------------
#
# The managers above refuse bulk writes, but a plain queryset reaches the same table:
# ``Model._base_manager.update()``, ``QuerySet(Model).update()``, ``_raw_delete()``,
# ``bulk_create()`` and the history itself (``Model.history.update()/delete()``). The guard
# below wraps those QuerySet methods once (CoreConfig.ready) and refuses them on:
# - audited models (their default manager is AuditedManager) and append-only records
#   (apheresis: custody log, bag checks...): update, delete, bulk update, raw delete, and
#   bulk create, which writes no history (``bulk_create_with_history()`` does);
# - every simple-history table: update, delete, bulk update, raw delete (history rows are
#   only ever added; bulk_history_create still inserts them). A history record's own
#   ``delete()`` is refused too.
# PostgreSQL triggers refuse the same below the ORM (core migration 0005).

_GUARDED: dict[type, frozenset[str]] = {}
_bypass = contextvars.ContextVar("audit_bypass", default=False)

_WRITES = frozenset({"update", "delete", "_raw_delete", "bulk_update", "bulk_create"})
_HISTORY_WRITES = _WRITES - {"bulk_create"}


@contextlib.contextmanager
def unaudited(reason: str):
    """Let bulk writes through, for a test's set-up or a documented data repair only.

    History tables stay append-only in PostgreSQL whatever is done here."""
    if not reason:
        raise ValueError("say why the audit trail is bypassed")
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


def _guarded(name: str):
    original = getattr(QuerySet, name)

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        if name in _GUARDED.get(self.model, ()) and not _bypass.get():
            raise AuditBypassError(
                f"{self.model.__name__}: queryset {name.lstrip('_')}() would bypass the audit "
                "trail; change records through their service (save()) or audited_update()."
            )
        return original(self, *args, **kwargs)

    method._audit_guard = True
    return method


def _refuse_history_delete(self, *args, **kwargs):
    raise AuditBypassError(f"{type(self).__name__}: history records are never deleted.")


def bulk_create_with_history(model, objs, *, by=None, reason: str = "", batch_size=None):
    """Insert many records with one creation history row each (two batched statements)."""
    with transaction.atomic(), unaudited("bulk create with history"):
        created = model._default_manager.bulk_create(objs, batch_size=batch_size)
        model.history.bulk_history_create(
            created, batch_size=batch_size, default_user=by, default_change_reason=reason
        )
    return created


def install_audit_guard() -> None:
    from django.apps import apps

    from .validators import project_app_labels

    own_apps = set(project_app_labels())

    for name in _WRITES:
        if not getattr(getattr(QuerySet, name), "_audit_guard", False):
            setattr(QuerySet, name, _guarded(name))
    for model in apps.get_models():
        if hasattr(model, "instance_type"):
            # A simple-history model (HistoricalPatient...): append-only.
            _GUARDED[model] = _HISTORY_WRITES
            model.delete = _refuse_history_delete
        elif model._meta.app_label in own_apps:
            queryset = type(model._default_manager.get_queryset())
            if issubclass(queryset, AuditedQuerySet) or getattr(queryset, "append_only", False):
                _GUARDED[model] = _WRITES
