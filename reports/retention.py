"""Export files are kept EXPORT_FILE_RETENTION_DAYS days, then deleted (beat, nightly).

The job row stays (it is part of the export record); its download then answers that the
file is gone and to run the export again. Every file in the export folder older than the
limit goes, including a crashed worker's ``.part``; a second run (or a second worker at the
same time) finds nothing more to delete."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .services import export_root

logger = logging.getLogger(__name__)


def export_files_expire(*, now: datetime | None = None) -> int:
    """Delete export files written before the retention limit; the number deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EXPORT_FILE_RETENTION_DAYS)
    root = export_root()
    if not root.is_dir():
        return 0
    deleted = 0
    for path in root.iterdir():
        try:
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except FileNotFoundError:  # another worker deleted it just now
            continue
        if path.is_file() and written < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    if deleted:
        logger.info("retention deleted %s export files", deleted)
    return deleted
