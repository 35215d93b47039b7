"""Follow-up reminders: a beat sweep makes reminder rows, one task per row sends it once.

Tasks take ids and call services; nothing relies on a Celery ETA.
"""

from celery import shared_task

from . import services


@shared_task
def sweep_followup_reminders() -> int:
    """Beat entry (every 15 minutes): create due reminders and queue the unsent ones."""
    return len(services.reminders_sweep())


@shared_task
def send_visit_reminder(reminder_id: int) -> bool:
    """Claim one reminder and queue its e-mails in core's outbox (which retries a refused
    e-mail itself); a lost task is queued again by the next sweep."""
    return services.reminder_send(reminder_id=reminder_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_restrictions_ending() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): restriction periods that end today."""
    return services.restriction_endings_notify()
