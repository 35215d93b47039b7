"""Writes to the catalogue: an administrator's edit of a product, its label data, an indication
or a threshold. The admin calls these (catalogue/admin.py); nothing else saves a catalogue row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from core.models import User

from .models import CarTProduct, ProductIndication, ProductLabel, Threshold
from .thresholds import DEFAULT_THRESHOLDS

CATALOGUE_MODELS = (CarTProduct, ProductLabel, ProductIndication, Threshold)


def _may_edit(user: User, row: models.Model) -> bool:
    meta = row._meta
    action = "change" if row.pk else "add"
    return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


@transaction.atomic
def catalogue_row_save(*, by: User, row: models.Model) -> models.Model:
    """Save a new or edited catalogue row, checked, with `by` in its history. Refused to anyone
    without the model's add/change permission (administrators have it; auditors only read)."""
    if not isinstance(row, CATALOGUE_MODELS):
        raise TypeError(f"not a catalogue row: {type(row).__name__}")
    if not _may_edit(by, row):
        raise PermissionDenied
    if isinstance(row, Threshold):
        # The unit belongs to the rule that reads the value, never to the editor.
        row.unit = DEFAULT_THRESHOLDS[row.key].unit
    row.full_clean()
    row._history_user = by
    row.save()
    return row
