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
    for label, field, days in settings.RETENTION_RULES if rules is None else rules:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        cutoff = now - timedelta(days=days)
        total = 0
        while True:
            with transaction.atomic():
                ids = list(
                    model._default_manager.filter(**{f"{field}__lt": cutoff})
                    .order_by("pk")
                    .values_list("pk", flat=True)[:BATCH]
                )
                if not ids:
                    break
                total += (
                    model._default_manager.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
                )
        deleted[label] = total
        if total:
            logger.info("retention deleted %s %s rows older than %s days", total, label, days)
    return deleted
