from celery import shared_task
from celery.signals import worker_ready

from . import retention, services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def record_worker_heartbeat() -> None:
    services.heartbeat_record(name="worker")


@shared_task
def retention_sweep() -> dict:
    """Beat, nightly: expired sessions and records past their retention (core.retention)."""
    retention.sessions_clear_expired()
    return retention.records_expire()


@worker_ready.connect
def _heartbeat_when_worker_starts(**kwargs) -> None:
    # /health/ turns green as soon as a worker is up, not a minute later at beat's first tick.
    record_worker_heartbeat.delay()
