"""Fast row writers for the data generator.

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (text format), the fastest way in; on
SQLite (the test suite) the same rows go through ``bulk_create``. Rows are given as keyword
values by attribute name; every other column takes the model field's default, so a row is
complete and valid for the schema. Primary keys are assigned here (the generator needs them
for foreign keys without reading them back), and the sequence is moved past them at the end.

This bypasses ``save()``: no history rows and no signals, on purpose (benchmark data only).
Audited models refuse ``bulk_create`` (core/audit.py): the SQLite path says why it bypasses
them (``unaudited``); COPY is below the ORM. History tables stay append-only either way.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from core.audit import unaudited

_MISSING = object()
FLUSH_EVERY = 50_000


def _text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


class Table:
    """Collects rows of one model and writes them in large batches."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.postgres = connection.vendor == "postgresql"
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.position = {name: i for i, name in enumerate(self.attnames)}
        now = timezone.now()
        self.defaults = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default = now if isinstance(f, models.DateTimeField) else now.date()
            elif f.primary_key:
                default = None
            elif f.has_default():
                default = f.get_default()
            elif f.null:
                default = None
            elif f.blank and isinstance(f, (models.CharField, models.TextField)):
                default = ""
            else:
                default = _MISSING
            self.defaults.append(default)
        self.required = {
            a for a, d in zip(self.attnames, self.defaults, strict=True) if d is _MISSING
        }
        # Columns written with their default are formatted once, not once per row.
        self.template = ["" if d is _MISSING else _text(d) for d in self.defaults]
        pk = model._meta.pk.attname
        self.pk_position = self.position[pk]
        top = model._default_manager.order_by().aggregate(top=models.Max(pk))["top"]
        self.next_id = (top or 0) + 1
        self.rows: list = []
        self.written = 0

    def add(self, **values) -> int:
        """Queue a row; returns its primary key."""
        missing = self.required - values.keys()
        if missing:
            raise ValueError(f"{self.model.__name__}: no value for {sorted(missing)}")
        pk = self.next_id
        self.next_id += 1
        if self.postgres:
            row = self.template.copy()
            row[self.pk_position] = str(pk)
            position = self.position
            for name, value in values.items():
                row[position[name]] = _text(value)
            self.rows.append("\t".join(row))
        else:
            values[self.attnames[self.pk_position]] = pk
            self.rows.append(values)
        if len(self.rows) >= FLUSH_EVERY:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        if self.postgres:
            buffer = io.StringIO("\n".join(self.rows) + "\n")
            columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
            table = connection.ops.quote_name(self.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        else:
            objs = [self.model(**values) for values in self.rows]
            self._bulk_create_keeping_times(objs)
        self.written += len(self.rows)
        self.rows = []

    def _bulk_create_keeping_times(self, objs) -> None:
        auto = [
            f
            for f in self.fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        saved = [(f, f.auto_now, f.auto_now_add) for f in auto]
        try:
            for f in auto:
                f.auto_now = f.auto_now_add = False
            # Fields not given take their default; datetimes default to now.
            now = timezone.now()
            for obj in objs:
                for f in auto:
                    if getattr(obj, f.attname) is None:
                        setattr(obj, f.attname, now)
            with unaudited("benchmark data: no history rows, on purpose"):
                self.model._default_manager.bulk_create(objs, batch_size=500)
        finally:
            for f, auto_now, auto_now_add in saved:
                f.auto_now, f.auto_now_add = auto_now, auto_now_add

    def finish(self) -> int:
        """Write what is left and move the id sequence past the ids given here."""
        self.flush()
        if self.postgres and self.written:
            table = self.model._meta.db_table
            pk = self.model._meta.pk.column
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), "
                    f"(SELECT MAX({connection.ops.quote_name(pk)}) FROM "
                    f"{connection.ops.quote_name(table)}))",
                    [table, pk],
                )
        return self.written
