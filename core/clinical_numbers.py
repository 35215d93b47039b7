"""A number refused in clinical words: "Weight must be between 2 and 350 kg (at most 1 decimal
place)." instead of Django's and DRF's digit counts ("Ensure that there are no more than 3
digits before the decimal point.") or bare bounds (issue 17).

One message per number field, built from what the field already knows: its label ("weight
(kg)": the name and, in brackets, the unit), its range (the model's MinValueValidator and
MaxValueValidator, else what its digits allow) and its decimal places. Every form gets it
through BootstrapFormMixin, every API error through core.api.exception_handler.
"""

import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The error codes of a number that is not a number, out of range or too precise.
NUMBER_ERROR_CODES = frozenset(
    {"invalid", "min_value", "max_value", "max_digits", "max_whole_digits", "max_decimal_places"}
)
# "weight (kg)", "体重（kg）": a label ending in brackets; they hold a unit when it looks
# like one ("Deauville score (PET)" and "CAPD score (under 12)" keep their brackets).
_LABEL_UNIT = re.compile(r"^(?P<name>.*?)\s*[(（](?P<unit>[^()（）]+)[)）]\s*$")
_UNIT_SIGNS = re.compile(r"[/%°×]")
_UNITS = frozenset({"kg", "g", "mg", "cm", "mm", "mL", "L", "mmHg", "µL", "U", "h", "min"})


def label_and_unit(label) -> tuple[str, str]:
    """ "weight (kg)" -> ("Weight", "kg"); a label without a unit in brackets keeps it whole."""
    text = str(label or "").strip()
    match = _LABEL_UNIT.match(text)
    if match:
        unit = match["unit"].strip()
        if _UNIT_SIGNS.search(unit) or unit in _UNITS:
            return capfirst(match["name"]), unit
    return capfirst(text), ""


def _plain(value) -> str:
    """2, 350, 37.5: the number as a clinician writes it (no exponent, no trailing zeros)."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
    else:
        text = format(value, "f") if isinstance(value, float) else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def digits_bounds(max_digits: int | None, decimal_places: int | None):
    """The largest value the digits allow (999.9 for 4 digits, 1 place), else None."""
    if max_digits is None:
        return None
    places = decimal_places or 0
    return Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)


def number_range_message(
    *, label, min_value=None, max_value=None, decimal_places: int | None = None
) -> str:
    name, unit = label_and_unit(label)
    values = {"name": name, "min": _plain(min_value), "max": _plain(max_value), "unit": unit}
    if min_value is not None and max_value is not None:
        message = (
            _("%(name)s must be between %(min)s and %(max)s %(unit)s.")
            if unit
            else _("%(name)s must be between %(min)s and %(max)s.")
        )
    elif max_value is not None:
        message = (
            _("%(name)s must be at most %(max)s %(unit)s.")
            if unit
            else _("%(name)s must be at most %(max)s.")
        )
    elif min_value is not None:
        message = (
            _("%(name)s must be at least %(min)s %(unit)s.")
            if unit
            else _("%(name)s must be at least %(min)s.")
        )
    else:
        message = _("%(name)s must be a number.")
    text = message % values
    if decimal_places:
        text = (
            text[:-1]
            + " "
            + ngettext(
                "(at most %(places)s decimal place).",
                "(at most %(places)s decimal places).",
                decimal_places,
            )
            % {"places": decimal_places}
        )
    return text


def _validator_bounds(validators) -> tuple:
    low = high = None
    for validator in validators:
        if isinstance(validator, MinValueValidator) and not callable(validator.limit_value):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        if isinstance(validator, MaxValueValidator) and not callable(validator.limit_value):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def _model_field(form, name):
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a form field of no model field
        return None


_NUMBER_FORM_FIELDS = (forms.DecimalField, forms.IntegerField, forms.FloatField)
_POSITIVE_FIELDS = (
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


def form_number_messages(form) -> None:
    """Give each number field of the form its message in clinical words, for every code
    (the form field's own checks and the model's validators, which a ModelForm reports
    with the form field's messages)."""
    for name, field in form.fields.items():
        if not isinstance(field, _NUMBER_FORM_FIELDS) or field.widget.is_hidden:
            continue
        model_field = _model_field(form, name)
        low, high = _validator_bounds(
            list(field.validators) + list(getattr(model_field, "validators", []))
        )
        low = field.min_value if low is None else low
        high = field.max_value if high is None else high
        places = getattr(field, "decimal_places", None)
        if high is None:
            high = digits_bounds(getattr(field, "max_digits", None), places)
        if low is None and isinstance(model_field, _POSITIVE_FIELDS):
            low = 0
        message = number_range_message(
            label=field.label or name, min_value=low, max_value=high, decimal_places=places
        )
        # A model validator that already speaks in clinical words ("ECOG runs from 0 to 4.")
        # keeps its message: a ModelForm would otherwise report it with the form field's.
        own_words = {
            validator.code
            for validator in getattr(model_field, "validators", [])
            if isinstance(validator, (MinValueValidator, MaxValueValidator))
            and validator.message != type(validator).message
        }
        # Django formats a validator's message with its params: a "%" of "SpO₂ (%)" doubles.
        for code in NUMBER_ERROR_CODES - own_words:
            field.error_messages[code] = message.replace("%", "%%")


# How Django's and DRF's own number messages begin; a message a serializer or service wrote in
# clinical words ("Temperature 372 °C is not possible — did you mean 37.2?") is kept.
_LIBRARY_OPENINGS = ("Ensure ", "A valid ", "Enter a ")


def _library_wording(error) -> bool:
    return getattr(error, "code", None) in NUMBER_ERROR_CODES and str(error).startswith(
        _LIBRARY_OPENINGS
    )


def api_number_messages(detail: dict, serializer) -> None:
    """The same messages in an API error: each number field's errors of those codes become
    its one message in clinical words (detail: DRF's error dict, changed in place)."""
    from rest_framework import serializers
    from rest_framework.exceptions import ErrorDetail

    fields = getattr(serializer, "fields", {})
    for name, errors in detail.items():
        field = fields.get(name)
        if not isinstance(
            field, (serializers.DecimalField, serializers.IntegerField, serializers.FloatField)
        ):
            continue
        if not isinstance(errors, list):
            continue
        if not any(_library_wording(e) for e in errors):
            continue
        places = getattr(field, "decimal_places", None)
        high = field.max_value
        if high is None:
            high = digits_bounds(getattr(field, "max_digits", None), places)
        message = number_range_message(
            label=field.label or name,
            min_value=field.min_value,
            max_value=high,
            decimal_places=places,
        )
        detail[name] = [
            ErrorDetail(message, code="out_of_range") if _library_wording(e) else e for e in errors
        ]
        # One message for a field, however many checks refused it.
        detail[name] = list(dict.fromkeys(detail[name]))
