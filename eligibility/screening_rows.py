"""Saving the row sections of a screening (prior lines, washout therapies) without losing any.

A save changes only the rows it names. A row sent with its ``id`` changes that row; a row sent
without one is added; a row not sent is kept as it is. A row goes only when it is sent with its
``id`` and ``delete: True``, and its deletion is kept in the history like any other change.
(Replacing the whole set on every save once lost rows that a page did not send back.)
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import User

ROW_KEYS = ("id", "delete")


@dataclass
class RowChanges:
    """What a save will do to one row section, worked out before anything is written."""

    kept: list = field(default_factory=list)  # every row there after the save, in order
    changed: list = field(default_factory=list)  # rows to save (new or edited)
    deleted: list = field(default_factory=list)  # rows to delete
    errors: list[str] = field(default_factory=list)

    def save(self, by: User) -> None:
        for obj in self.deleted:
            obj._history_user = by
            obj.delete()
        for obj in self.changed:
            obj._history_user = by
            obj.save()


def plan_rows(assessment, rows: list[dict], model, fields: tuple[str, ...], label) -> RowChanges:
    """Match the rows sent against the recorded ones; nothing is written here."""
    existing = {obj.pk: obj for obj in model.objects.filter(assessment=assessment).order_by("pk")}
    plan = RowChanges()
    touched: dict[int, object] = {}
    for index, row in enumerate(rows, start=1):
        unknown = set(row) - set(fields) - set(ROW_KEYS)
        if unknown:
            raise TypeError(f"Unknown {model.__name__} fields: {sorted(unknown)}")
        row_id = row.get("id")
        values = {name: row[name] for name in fields if name in row}
        if row_id is None:
            if row.get("delete"):
                continue  # an empty row ticked for removal: nothing to remove
            obj = model(assessment=assessment, **values)
        else:
            obj = existing.get(row_id)
            if obj is None or row_id in touched:
                plan.errors.append(
                    _("%(label)s %(n)s: this row is not part of this screening; reload the page.")
                    % {"label": label, "n": index}
                )
                continue
            touched[row_id] = obj
            if row.get("delete"):
                plan.deleted.append(obj)
                continue
            if all(getattr(obj, name) == value for name, value in values.items()):
                continue  # sent back unchanged: no write, no history noise
            for name, value in values.items():
                setattr(obj, name, value)
        try:
            obj.full_clean(exclude=["assessment"], validate_constraints=False)
        except ValidationError as error:
            plan.errors.extend(f"{label} {index}: {message}" for message in error.messages)
        plan.changed.append(obj)
    deleted = {obj.pk for obj in plan.deleted}
    changed = {id(obj) for obj in plan.changed}
    plan.kept = [
        obj for pk, obj in existing.items() if pk not in deleted and id(obj) not in changed
    ]
    plan.kept += plan.changed
    return plan
