from celery import shared_task
from celery.signals import worker_ready

from . import retention, services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def record_worker_heartbeat() -> None:
    services.heartbeat_record(name="worker")


@shared_task
def outbox_deliver() -> dict:
    """Deliver the due outbox messages: kicked after each commit that queued some, and by
    beat every OUTBOX_SWEEP_SECONDS, so a task lost with Redis delays a message by one sweep
    at most. One task sends at most OUTBOX_TASK_MAX_MESSAGES, then queues the next."""
    from dataclasses import asdict

    from django.conf import settings

    report = services.outbox_deliver_due(max_messages=settings.OUTBOX_TASK_MAX_MESSAGES)
    if report.more_due:
        outbox_deliver.delay()
    return asdict(report)


@shared_task
def retention_sweep() -> dict:
    """Beat, nightly: expired sessions and records past their retention (core.retention)."""
    retention.sessions_clear_expired()
    return retention.records_expire()


@worker_ready.connect
def _heartbeat_when_worker_starts(**kwargs) -> None:
    # /health/ turns green as soon as a worker is up, not a minute later at beat's first tick.
    record_worker_heartbeat.delay()
