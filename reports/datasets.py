"""The export registry: each dataset says where its rows come from, its columns (units in the
headers) and which date the date range filters on.

Another app adds a dataset with a few lines, e.g. apheresis collections:

    from reports.datasets import Dataset, col, computed, register
    register(Dataset(
        key="collections", label=_("Apheresis collections"), description=_("…"),
        base=lambda: Collection.objects.select_related("course__patient").order_by("pk"),
        columns=(
            col("collection_id", "pk"), col("mrn", "course.patient.mrn"), …,
            computed("volume_l", to_litres, "volume_ml"),  # to_litres(None) must work too
        ),
        date_lookup="collected_on", course_path="course",
    ))

(called from that app's AppConfig.ready(), or from reports.datasets_clinical once the app
is merged). Values are exported as codes (stage "infusion", diagnosis "LBCL"), never as
translated labels, so a file reads the same in every language.

An export reads tuples, never model instances: `.values_list()` of exactly the columns'
lookups (the joins follow from them) through a server-side cursor, a batch at a time, each
column formatted as its model field says, decided once per export. bench/run.py compares it
with PostgreSQL's own COPY of the query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice, zip_longest
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import QuerySet, TextField
from django.db.models.expressions import Col
from django.db.models.functions import Cast
from django.utils import timezone

from core.db_router import reads_alias
from patients.models import TreatmentCourse

from . import writers
from .access import EXPORT_ROLES

# Rows fetched per round trip of the server-side cursor, and per batch handed to a writer.
CHUNK_SIZE = 2000

FILTER_NAMES = ("date_from", "date_to", "product", "diagnosis", "stage")


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    product: str = ""  # CarTProduct.code
    diagnosis: str = ""  # Diagnosis code
    stage: str = ""  # current stage of the course

    def as_dict(self) -> dict:
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "product": self.product,
            "diagnosis": self.diagnosis,
            "stage": self.stage,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Filters:
        def day(value):
            return date.fromisoformat(value) if value else None

        return cls(
            date_from=day(data.get("date_from")),
            date_to=day(data.get("date_to")),
            product=data.get("product") or "",
            diagnosis=data.get("diagnosis") or "",
            stage=data.get("stage") or "",
        )

    @property
    def used(self) -> set[str]:
        return {name for name in FILTER_NAMES if getattr(self, name)}


@dataclass(frozen=True)
class LocalDay:
    """An input of a computed column: the day of a datetime path in the centre's time zone
    (local_day() of the fetched datetime)."""

    path: str


@dataclass(frozen=True)
class Column:
    header: str
    # ORM lookups the column reads ("course__patient__mrn"): one value each per row, None
    # where a nullable relation on the way is empty.
    lookups: tuple[str, ...] = ()
    # The cell's value from those values, in Python, once per row; None: the single lookup's
    # value as it is (formatted by its model field: dates ISO, datetimes local, …).
    compute: Callable[..., Any] | None = None
    # For a computed column, which of its lookups it is given as local days (LocalDay).
    local_days: tuple[bool, ...] = ()
    # The computed cell in SQL from its lookups' SQL (a LocalDay as a date), a value COPY
    # writes as the Python writer writes the computed one (NULL: an empty cell): the export
    # is then written by PostgreSQL (export_copy.py). None: this column, and so its
    # dataset, is written by Python.
    sql: Callable[..., str] | None = None


def _lookup(path: str) -> str:
    return path.replace(".", "__")


def col(header: str, path: str) -> Column:
    """A column read from a dotted path ("course.patient.mrn"); None anywhere on it gives ""."""
    return Column(header, (_lookup(path),))


def computed(
    header: str,
    compute: Callable[..., Any],
    *paths: str | LocalDay,
    sql: Callable[..., str] | None = None,
) -> Column:
    """A column computed in Python, once per row, from the values of dotted paths, e.g. a day
    number from "course.day0_date" and LocalDay("assessed_at"); sql, when given, is the same
    cell's text in SQL (see Column.sql)."""
    return Column(
        header,
        tuple(_lookup(p.path if isinstance(p, LocalDay) else p) for p in paths),
        compute,
        tuple(isinstance(p, LocalDay) for p in paths),
        sql,
    )


def local_day(value, tz=None) -> date | None:
    """The day of a datetime in the centre's time zone (or tz); a date is its own day."""
    if value is None:
        return None
    return timezone.localtime(value, tz).date() if hasattr(value, "hour") else value


def _cell_kind(expression) -> str:
    """How a column's values are written, decided from its model field once per export."""
    output_field = expression.output_field
    while output_field.is_relation:  # a foreign key holds its target's value
        output_field = output_field.target_field
    if isinstance(output_field, models.BooleanField):
        return writers.BOOLEAN
    if isinstance(output_field, models.DateTimeField):  # before DateField: a subclass
        return writers.DATETIME
    if isinstance(output_field, models.DateField):
        return writers.DATE
    if isinstance(output_field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return writers.NUMBER
    if isinstance(output_field, (models.CharField, models.TextField)):
        return writers.TEXT
    if (
        isinstance(output_field, models.JSONField)
        and output_field.decoder is None
        and isinstance(expression, Col)  # the field itself, not a key of it
    ):
        # Fetched as text and decoded per cell: Django's decoding of it would run every
        # value of the row through its converters.
        return writers.JSON
    return writers.ANY


@dataclass(frozen=True)
class Dataset:
    key: str
    label: Any
    description: Any
    columns: tuple[Column, ...]
    # The rows before filtering, in export order (as instances: with the joins the columns
    # read; an export reads only the columns' values, see row_query()).
    base: Callable[[], QuerySet] | None = None
    # Lookup for the date range, e.g. "assessed_at__date" or "visit_date".
    date_lookup: str | None = None
    date_label: Any = ""
    # Lookup from a row to its course ("" when the row is a course); None: no course.
    course_path: str | None = None
    # Lookup from a row to its patient's diagnosis.
    diagnosis_lookup: str | None = None
    # Restrict rows to the courses matching product/stage (default: through course_path).
    restrict_courses: Callable[[QuerySet, QuerySet], QuerySet] | None = None
    roles: frozenset = EXPORT_ROLES
    # Datasets that are not one queryset (the audit trail) give their own rows and count.
    custom_rows: Callable[[Filters], Iterator[list]] | None = None
    custom_count: Callable[[Filters], int] | None = None
    # Computed per row from the model instance (e.g. outcomes): turns one into raw values.
    # Its columns are headers only.
    row_builder: Callable[[Any], list] | None = None
    supported_filters: frozenset = field(default=frozenset(FILTER_NAMES))

    @property
    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    def allowed(self, user) -> bool:
        return user.is_authenticated and user.has_role(*self.roles)

    def unsupported(self, filters: Filters) -> set[str]:
        return filters.used - set(self.supported_filters)

    def queryset(self, filters: Filters) -> QuerySet:
        """The model rows the filters keep (instances; row_query() is what an export reads)."""
        qs = self.base()
        if self.date_lookup:
            if filters.date_from:
                qs = qs.filter(**{f"{self.date_lookup}__gte": filters.date_from})
            if filters.date_to:
                qs = qs.filter(**{f"{self.date_lookup}__lte": filters.date_to})
        if filters.diagnosis and self.diagnosis_lookup:
            qs = qs.filter(**{self.diagnosis_lookup: filters.diagnosis})
        if (filters.product or filters.stage) and (
            self.course_path is not None or self.restrict_courses
        ):
            courses = TreatmentCourse.objects.all()
            if filters.product:
                courses = courses.filter(product__code=filters.product)
            if filters.stage:
                courses = courses.filter(stage=filters.stage)
            if self.restrict_courses:
                qs = self.restrict_courses(qs, courses)
            else:
                lookup = f"{self.course_path}__in" if self.course_path else "pk__in"
                qs = qs.filter(**{lookup: courses.values("pk")})
        return qs

    @property
    def reads_values(self) -> bool:
        """True when rows are read as value tuples (not the audit trail or a row_builder)."""
        return self.custom_rows is None and self.row_builder is None

    def _plan(self, qs: QuerySet, tz) -> tuple[list, list[writers.CellSource]]:
        """What an export selects from qs, and where each column's cell comes from in the
        fetched tuple: the plain columns first, in column order, then what the computed
        columns read. A plain column's format is decided here, once, from its model field."""
        resolver = qs.query.clone()
        select, sources, fetched = [], [], {}  # fetched: lookup -> index of its raw value
        for column in self.columns:
            if column.compute is not None:
                continue
            lookup = column.lookups[0]
            try:
                kind = _cell_kind(resolver.resolve_ref(lookup))
            except FieldError:  # an expression of no known field: cell_value per value
                kind = writers.ANY
            if kind == writers.JSON:
                select.append(Cast(lookup, TextField()))
            else:
                select.append(lookup)
                fetched.setdefault(lookup, len(select) - 1)
            sources.append(writers.CellSource(kind, len(select) - 1))

        def day(value):
            return local_day(value, tz)

        for position, column in enumerate(self.columns):
            if column.compute is None:
                continue
            arguments = []
            for lookup, is_local_day in zip_longest(column.lookups, column.local_days):
                if lookup not in fetched:
                    select.append(lookup)
                    fetched[lookup] = len(select) - 1
                arguments.append((fetched[lookup], day if is_local_day else None))
            source = writers.CellSource(compute=column.compute, arguments=tuple(arguments))
            sources.insert(position, source)
        return select, sources

    def row_query(self, filters: Filters) -> QuerySet:
        """The query an export runs: exactly the columns' values, in export order (for a
        dataset built per instance, its queryset)."""
        qs = self.queryset(filters)
        if not self.reads_values:
            return qs
        select, _ = self._plan(qs, tz=None)
        return qs.values_list(*select)

    def count(self, filters: Filters) -> int:
        if self.custom_count:
            return self.custom_count(filters)
        return self.queryset(filters).using(reads_alias()).count()

    def row_batches(
        self, filters: Filters, chunk_size: int | None = None, *, typed: bool = False
    ) -> Iterator[list]:
        """Rows as cell values (ISO dates in the centre's time zone, escaped text), in lists
        of up to chunk_size rows: a writer handles a batch at once, and memory holds one.
        typed: as workbook values instead (writers.xlsx_value: real dates and numbers)."""
        chunk_size = chunk_size or CHUNK_SIZE
        tz = timezone.get_current_timezone()
        if self.reads_values:
            # The export's rows may come from the read replica (DATABASE_REPLICA_URL).
            qs = self.queryset(filters).using(reads_alias())
            select, sources = self._plan(qs, tz)
            make_row = writers.row_function(sources, tz=tz, typed=typed)
            fetched = qs.values_list(*select).iterator(chunk_size=chunk_size)
        else:
            value = writers.xlsx_value if typed else writers.cell_value

            def make_row(raw):
                return [value(v, tz=tz) for v in raw]

            if self.custom_rows:
                fetched = self.custom_rows(filters)
            else:
                fetched = map(
                    self.row_builder,
                    self.queryset(filters).using(reads_alias()).iterator(chunk_size=chunk_size),
                )
        while batch := list(islice(fetched, chunk_size)):
            yield list(map(make_row, batch))

    def rows(
        self, filters: Filters, chunk_size: int | None = None, *, typed: bool = False
    ) -> Iterator[list]:
        """Rows as cell values, one at a time."""
        for batch in self.row_batches(filters, chunk_size, typed=typed):
            yield from batch


REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    if dataset.key in REGISTRY:
        raise ValueError(f"export dataset {dataset.key!r} is registered twice")
    if dataset.base is None and dataset.custom_rows is None:
        raise ValueError(f"export dataset {dataset.key!r} needs base or custom_rows")
    if dataset.reads_values and not all(c.lookups for c in dataset.columns):
        raise ValueError(f"export dataset {dataset.key!r}: every column needs a lookup")
    REGISTRY[dataset.key] = dataset
    return dataset


def get(key: str) -> Dataset | None:
    _load()
    return REGISTRY.get(key)


def all_datasets() -> list[Dataset]:
    _load()
    return list(REGISTRY.values())


def _load() -> None:
    # The clinical datasets import models of several apps: load them on first use.
    from . import datasets_clinical  # noqa: F401
