"""Plausible dates for every clinical date and time, one rule for page, API, admin and service.

A date typed as 0001-01-01 or 1800-01-01 is a slip of the keyboard, not a record: it used to
be stored (birth dates) or to fail deeper down (an age "before birth" on the bedside form).

- Dates (``DateField``) may be history: a birth date, a transplant or a prior line of therapy
  years ago. They are plausible from 1 January 1900: no patient alive was born earlier.
- Times (``DateTimeField``) are moments recorded in this programme (an assessment, a dose, a
  signature). They are plausible from 1 January 2000, before any CAR-T therapy existed
  (first approvals 2017; tisagenlecleucel, FDA 30 August 2017).
- Nothing is plausible after 31 December 2100 (planned dates included); the rules of each
  model still refuse the future where it matters (a birth date, an assessment time).

``attach_plausible_date_validators()`` (called from CoreConfig.ready) adds the check to every
date and time field of the project's own apps. It adds to ``field.validators``, not to the
field's declared validators, so migrations do not change; ModelForms check it in their model
validation, DRF's ModelSerializers copy it, and services' ``full_clean()`` enforce it.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = date(1900, 1, 1)
EARLIEST_TIME = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def project_app_labels() -> list[str]:
    """The project's own apps (not Django's or a library's): those inside the project folder."""
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings

    base = Path(settings.BASE_DIR).resolve()
    return [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts
    ]


@deconstructible
class PlausibleDateValidator:
    def __init__(self, earliest: date = EARLIEST_DATE, latest: date = LATEST):
        self.earliest = earliest
        self.latest = latest

    def __call__(self, value) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if not self.earliest <= day <= self.latest:
            raise ValidationError(
                _(
                    "%(value)s is not a plausible date: "
                    "give a date from %(earliest)s to %(latest)s."
                ),
                code="implausible_date",
                params={
                    "value": day.isoformat(),
                    "earliest": date_format(self.earliest, "Y-m-d"),
                    "latest": date_format(self.latest, "Y-m-d"),
                },
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, PlausibleDateValidator) and (self.earliest, self.latest) == (
            other.earliest,
            other.latest,
        )


plausible_date = PlausibleDateValidator(EARLIEST_DATE)
plausible_time = PlausibleDateValidator(EARLIEST_TIME)


def attach_plausible_date_validators() -> None:
    from django.apps import apps
    from django.db import models

    for app_label in project_app_labels():
        for model in apps.get_app_config(app_label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    validator = plausible_time
                elif isinstance(field, models.DateField):
                    validator = plausible_date
                else:
                    continue
                if validator not in field.validators:
                    field.validators.append(validator)
