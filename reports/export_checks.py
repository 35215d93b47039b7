"""Who may export what, in which form: the checks every export path (page, API, background
job, FHIR) runs before reading a row, and the shape of the rows it then writes."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core.models import User

from . import datasets, pseudonymise
from .access import PURPOSE_MIN_LENGTH, can_export_identifiable
from .datasets import Dataset, Filters


def _dataset(key: str) -> Dataset:
    dataset = datasets.get(key)
    if dataset is None:
        raise ValidationError({"dataset": _("Unknown dataset %(key)s.") % {"key": key}})
    return dataset


def check_export(
    *,
    by: User,
    dataset_key: str,
    filters: Filters,
    identifiable: bool = False,
    purpose: str = "",
) -> Dataset:
    """The dataset, once the user may export it in this form and the filters apply to it.

    An identifiable export needs the auditor or clinician role and a stated purpose; anyone
    else who may export gets the pseudonymised form (reports/pseudonymise.py)."""
    dataset = _dataset(dataset_key)
    if not dataset.allowed(by):
        raise PermissionDenied(_("Your role may not export this dataset."))
    if identifiable:
        check_identifiable(by=by, purpose=purpose)
    unsupported = dataset.unsupported(filters)
    if unsupported:
        raise ValidationError(
            {
                name: _("This filter does not apply to %(dataset)s.") % {"dataset": dataset.label}
                for name in sorted(unsupported)
            }
        )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"date_to": _("The end of the date range is before its start.")})
    return dataset


def check_identifiable(*, by: User, purpose: str) -> None:
    """Identifiable data (MRNs, names, birth dates, free text, FHIR bundles) goes only to an
    auditor or clinician who states why."""
    if not can_export_identifiable(by):
        raise PermissionDenied(
            _("Identifiable exports need the auditor or clinician role; yours is pseudonymised.")
        )
    if len((purpose or "").strip()) < PURPOSE_MIN_LENGTH:
        raise ValidationError(
            {
                "purpose": _(
                    "State the purpose of an identifiable export (at least %(n)s characters)."
                )
                % {"n": PURPOSE_MIN_LENGTH}
            }
        )


def study_code_key() -> bytes:
    return settings.STUDY_CODE_KEY.encode()


class Shape:
    """What an export writes: the dataset's own header and rows when identifiable, else
    the pseudonymised ones (study codes, no names, birth year, no typed free text)."""

    def __init__(self, dataset: Dataset, *, identifiable: bool):
        self.dataset = dataset
        key = study_code_key()
        self.plan = None if identifiable else pseudonymise.plan(dataset.header, key=key)

    @property
    def header(self) -> list[str]:
        return self.dataset.header if self.plan is None else self.plan.header

    def row_batches(
        self, filters: Filters, chunk_size: int | None = None, *, typed: bool = False
    ) -> Iterator[list]:
        batches = self.dataset.row_batches(filters, chunk_size, typed=typed)
        if self.plan is None:
            return batches
        return (list(self.plan.rows(batch)) for batch in batches)
