"""One version check for every edit form and API (issue 15: three StaleEditError classes and a
dozen copies of the check). A record carries ``version``; the form or API sends back the
version it showed; if someone saved in between, the save is refused with who and when, so
nobody overwrites a colleague's change without seeing it."""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _


class StaleEditError(ValidationError):
    """The record changed after the user opened it; saving would overwrite that change."""


def last_change(record) -> tuple[object, object]:
    """Who last changed a record and when, from its history (simple-history)."""
    entry = record.history.order_by("-history_id").select_related("history_user").first()
    if entry is None:
        return None, None
    return entry.history_user, entry.history_date


def check_version(record, expected_version: int | None, *, optional: bool = False) -> None:
    """Refuse the save when ``record.version`` is not the version the user saw.
    ``optional``: an API client that sends no version is not checked (lymphodepletion plans,
    whose API predates the check)."""
    if expected_version is None and optional:
        return
    if record.version == expected_version:
        return
    who, when = last_change(record) if hasattr(record, "history") else (None, None)
    raise StaleEditError(
        _("This record was changed by %(who)s at %(when)s. Reload it and make your change again.")
        % {
            "who": who or _("another user"),
            "when": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")
            if when
            else "?",
        },
        code="stale",
    )
