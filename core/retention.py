"""Retention: what the programme stops keeping, and when (run nightly by beat).

- Expired sessions (Django never deletes them itself; ``clearsessions`` does the same).
- Records named in ``settings.RETENTION_RULES`` — (model label, datetime field, days) — such
  as raw interface messages, kept as long as the hospital's policy says. A model that is not
  installed in this build is skipped, so the list can name optional interfaces.

Each step is a plain delete of rows past their date: two workers running it at once delete
each row once, and a second run finds nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

logger = logging.getLogger(__name__)

BATCH = 1000


def sessions_clear_expired() -> None:
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


def records_expire(*, rules=None, now=None) -> dict[str, int]:
    """Delete the rows of each retention rule older than its days; the count per model."""
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    for label, field, days, *only in settings.RETENTION_RULES if rules is None else rules:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        cutoff = now - timedelta(days=days)
        expired = model._default_manager.filter(
            **{f"{field}__lt": cutoff}, **(only[0] if only else {})
        )
        total, kept = 0, set()
        while ids := list(
            expired.exclude(pk__in=kept).order_by("pk").values_list("pk", flat=True)[:BATCH]
        ):
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk__in=ids).delete()
                total += len(ids)
            except (ProtectedError, RestrictedError):
                # Some rows are still referenced: delete the others one by one, keep those.
                for pk in ids:
                    try:
                        with transaction.atomic():
                            model._default_manager.filter(pk=pk).delete()
                        total += 1
                    except (ProtectedError, RestrictedError):
                        kept.add(pk)
        deleted[label] = total
        if total:
            logger.info("retention deleted %s %s rows older than %s days", total, label, days)
    return deleted
