"""The export registry: each dataset says where its rows come from, its columns (units in the
headers) and which date the date range filters on.

Another app adds a dataset with a few lines, e.g. apheresis collections:

    from reports.datasets import Dataset, col, register
    register(Dataset(
        key="collections", label=_("Apheresis collections"), description=_("…"),
        base=lambda: Collection.objects.select_related("course__patient", "course__product"),
        columns=(col("collection_id", "pk"), col("course_id", "course_id"), …),
        date_lookup="collected_on", course_path="course",
    ))

(called from that app's AppConfig.ready(), or from reports.datasets_clinical once the app
is merged). Values are exported as codes (stage "infusion", diagnosis "LBCL"), never as
translated labels, so a file reads the same in every language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from patients.models import TreatmentCourse

from .access import EXPORT_ROLES
from .writers import cell_value

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
class Column:
    header: str
    get: Callable[[Any], Any]


def _walk(obj, path: str):
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def col(header: str, path: str) -> Column:
    """A column read from a dotted attribute path; None anywhere on the path gives ""."""
    return Column(header, lambda obj: _walk(obj, path))


def local_day(value) -> date | None:
    if value is None:
        return None
    return timezone.localtime(value).date() if hasattr(value, "hour") else value


@dataclass(frozen=True)
class Dataset:
    key: str
    label: Any
    description: Any
    columns: tuple[Column, ...]
    # The rows before filtering, with the joins the columns read.
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
    # Computed per row from the object (e.g. outcomes): turns an object into raw values.
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

    def count(self, filters: Filters) -> int:
        if self.custom_count:
            return self.custom_count(filters)
        return self.queryset(filters).count()

    def raw_rows(self, filters: Filters, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
        if self.custom_rows:
            yield from self.custom_rows(filters)
            return
        for obj in self.queryset(filters).iterator(chunk_size=chunk_size):
            if self.row_builder:
                yield self.row_builder(obj)
            else:
                yield [c.get(obj) for c in self.columns]

    def rows(self, filters: Filters, chunk_size: int = CHUNK_SIZE) -> Iterator[list]:
        """Rows as cell values: ISO dates in the centre's time zone, escaped text."""
        tz = timezone.get_current_timezone()
        for raw in self.raw_rows(filters, chunk_size):
            yield [cell_value(v, tz=tz) for v in raw]


REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    if dataset.key in REGISTRY:
        raise ValueError(f"export dataset {dataset.key!r} is registered twice")
    if dataset.base is None and dataset.custom_rows is None:
        raise ValueError(f"export dataset {dataset.key!r} needs base or custom_rows")
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
