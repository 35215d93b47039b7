"""Append-only records: a row once written is never updated or deleted."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- Append-only records -------------------------------------------------------------------


class AppendOnlyError(ValidationError):
    """An append-only record was about to be changed or deleted."""


def _refuse(model) -> AppendOnlyError:
    return AppendOnlyError(
        _(
            "%(record)s records are append-only: they cannot be changed or deleted; record a "
            "correction instead."
        )
        % {"record": model._meta.verbose_name_plural.capitalize()},
        code="append_only",
    )


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk change or delete of an append-only record, ever."""

    append_only = True  # core.audit's guard refuses every bulk path on plain querysets too

    def update(self, **kwargs):
        raise _refuse(self.model)

    def delete(self):
        raise _refuse(self.model)

    def bulk_update(self, objs, fields, batch_size=None):
        raise _refuse(self.model)

    def update_or_create(self, *args, **kwargs):
        raise _refuse(self.model)

    _raw_delete = delete


class AppendOnlyModel(models.Model):
    """A record that is written once. Rows are also protected by database triggers
    (migration 0002) against changes made below the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise _refuse(type(self))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self))
