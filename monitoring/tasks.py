from dataclasses import asdict

from celery import shared_task

from . import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def monitoring_sweep() -> dict:
    """Beat runs this every few minutes (CELERY_BEAT_SCHEDULE); all state is in the database,
    so a duplicate run, a killed worker or a lost message neither loses nor repeats anything."""
    return asdict(services.monitoring_sweep())
