"""Managers for audited clinical models: nothing changes them without a history row.

Queryset ``update()``, ``bulk_update()`` and ``delete()`` write to the database without
calling ``save()``, so django-simple-history would record nothing. Audited models refuse
them. A conditional change (a claim) goes through ``audited_update()``, which locks the
matching rows, saves each one, and so writes one history row per record.
"""

from django.db import models, transaction


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
