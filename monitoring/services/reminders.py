"""Delivery of monitoring reminders and escalation notices (claimed rows, exactly once)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import messaging
from core.clock import local_when
from core.messaging import in_language_of
from core.models import Notification, User
from core.roles import Role
from core.services import notification_send, outbox_email, outbox_emails_enqueue

from ..models import (
    Escalation,
    Reminder,
    ReminderKind,
)

logger = logging.getLogger(__name__)


def escalation_notify(*, escalation: Escalation) -> bool:
    """Tell the attending clinician, once: the claim on notified_at makes a retry harmless."""
    with transaction.atomic():
        claimed = Escalation.objects.filter(
            pk=escalation.pk, notified_at__isnull=True
        ).audited_update(notified_at=timezone.now())
        if claimed != 1:
            return False
        course = escalation.course
        patient = course.patient
        recipient = patient.attending_clinician
        with in_language_of(recipient):
            notification_send(
                recipient=recipient,
                subject=_("Escalation: %(patient)s – %(reason)s")
                % {
                    "patient": f"{patient.display_name} {patient.mrn}",
                    # Said in the clinician's language (in_language_of above).
                    "reason": escalation.reason_shown,
                },
                email_subject=_("A patient needs your review (escalation)"),
                body="; ".join(
                    part
                    for part in (
                        escalation.assessment.crs_reason_text,
                        escalation.assessment.vitals_note,
                    )
                    if part
                ),
                link=reverse("monitoring:course", args=[course.pk]),
                source_key=f"escalation:{escalation.pk}",
            )
    return True


# Reminders are claimed and delivered this many at a time, each batch in one transaction.
REMINDER_BATCH = 500


def _isolated(deliver, **kwargs) -> bool:
    """One undeliverable item must not hold up the others; it stays undelivered (its
    transaction rolled back) and the next sweep tries it again."""
    try:
        return deliver(**kwargs)
    except Exception:
        logger.exception("delivery failed; will retry at the next sweep", extra=kwargs)
        return False


def reminders_deliver_due() -> int:
    """Deliver every undelivered reminder exactly once; returns how many were claimed.

    A batch of reminders is claimed by one conditional update and its notifications are
    written in the same transaction, in a constant number of queries however many reminders
    and recipients: a worker killed half-way leaves the batch undelivered for the next sweep,
    and a second sweep never claims what this one holds. If a batch fails, its reminders are
    tried one at a time, so one undeliverable reminder does not hold up the others.
    """
    delivered = 0
    after_id = 0
    while True:
        claimed: list[int] = []
        try:
            with transaction.atomic():
                claimed = _reminders_claim(after_id=after_id, limit=REMINDER_BATCH)
                _reminders_notify(claimed)
        except Exception:
            if not claimed:
                raise
            logger.exception("reminder batch failed; delivering its reminders one by one")
            delivered += sum(_isolated(reminder_deliver, reminder_id=pk) for pk in claimed)
        else:
            delivered += len(claimed)
        if len(claimed) < REMINDER_BATCH:
            return delivered
        after_id = max(claimed)


def reminder_deliver(*, reminder_id: int) -> bool:
    """Deliver one reminder exactly once; False when it was already claimed."""
    with transaction.atomic():
        claimed = _reminders_claim(reminder_id=reminder_id)
        _reminders_notify(claimed)
    return bool(claimed)


def _reminders_claim(
    *, after_id: int = 0, limit: int = 1, reminder_id: int | None = None
) -> list[int]:
    """Mark undelivered reminders sent (the lowest ids above after_id, at most limit, or
    just reminder_id) and return the ids this call claimed.

    One conditional update (UPDATE ... WHERE sent_at IS NULL ... RETURNING id): a reminder
    already claimed by another sweep does not match, and on PostgreSQL one that another
    sweep holds locked is skipped, so no reminder is ever claimed twice. Call it inside the
    transaction that writes the notifications, so that a failure un-claims them too.
    """
    sent_at = timezone.now()
    if not _can_update_returning():
        return _reminders_claim_without_returning(
            after_id=after_id, limit=limit, reminder_id=reminder_id, sent_at=sent_at
        )
    quote = connection.ops.quote_name
    table = quote(Reminder._meta.db_table)
    pk = quote(Reminder._meta.pk.column)
    sent = quote(Reminder._meta.get_field("sent_at").column)
    pick = f"SELECT {pk} FROM {table} WHERE {sent} IS NULL AND {pk} > %s"
    params = [after_id]
    if reminder_id is not None:
        pick += f" AND {pk} = %s"
        params.append(reminder_id)
    pick += f" ORDER BY {pk} LIMIT %s"
    params.append(limit)
    if connection.features.has_select_for_update_skip_locked:
        pick += " FOR UPDATE SKIP LOCKED"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sent} = %s WHERE {sent} IS NULL AND {pk} IN ({pick}) "
            f"RETURNING {pk}",
            [Reminder._meta.get_field("sent_at").get_db_prep_save(sent_at, connection), *params],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _can_update_returning() -> bool:
    """UPDATE ... RETURNING: PostgreSQL, and SQLite from 3.35, as INSERT ... RETURNING."""
    return connection.features.can_return_columns_from_insert


def _reminders_claim_without_returning(
    *, after_id: int, limit: int, reminder_id: int | None, sent_at: datetime
) -> list[int]:
    """The claim on SQLite before 3.35, which has no UPDATE ... RETURNING: read the ids, then
    update exactly those, in the caller's transaction. SQLite transactions here take the
    write lock when they begin (settings: transaction_mode IMMEDIATE), so no other sweep
    can claim between the read and the update; the count check is the guard if one did."""
    undelivered = Reminder.objects.filter(sent_at__isnull=True, pk__gt=after_id)
    if reminder_id is not None:
        undelivered = undelivered.filter(pk=reminder_id)
    ids = list(undelivered.order_by("pk").values_list("pk", flat=True)[:limit])
    claimed = Reminder.objects.filter(pk__in=ids, sent_at__isnull=True).update(sent_at=sent_at)
    if claimed != len(ids):
        raise RuntimeError("reminders claimed by another sweep meanwhile; retrying next sweep")
    return ids


def _reminders_notify(reminder_ids: list[int]) -> None:
    """The in-app notifications for claimed reminders and their e-mails, queued in the outbox
    in the claim's transaction: each goes to the active nurses of the patient's ward, else to
    the attending clinician.

    Six queries for the batch: its reminders, the nurses of all its wards at once, the
    notifications that already exist (a cause never notifies twice), one insert, and for the
    e-mails the outbox rows that exist and one insert.
    """
    if not reminder_ids:
        return
    reminders = list(
        # A task done before its reminder went out needs no reminder: nothing to say.
        Reminder.objects.filter(
            pk__in=reminder_ids, task__done_at__isnull=True, task__missed_at__isnull=True
        )
        .select_related("task__course__patient__attending_clinician")
        .order_by("pk")
    )
    if not reminders:
        return
    nurses_by_ward: dict[int, list[User]] = defaultdict(list)
    memberships = (
        User.wards.through.objects.filter(
            ward_id__in={r.task.course.patient.ward_id for r in reminders},
            user__is_active=True,
            user__groups__name=Role.NURSE,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "user_id")
    )
    for membership in memberships:
        nurses_by_ward[membership.ward_id].append(membership.user)
    notifications: list[Notification] = []
    emails: dict[int, tuple[str, str]] = {}
    for reminder in reminders:
        task = reminder.task
        patient = task.course.patient
        link = reverse("monitoring:assess", args=[task.course_id])
        for recipient in nurses_by_ward[patient.ward_id] or [patient.attending_clinician]:
            # Each recipient reads it in her own language; the e-mail subject names no one.
            with in_language_of(recipient):
                if reminder.kind == ReminderKind.OVERDUE:
                    subject = _("OVERDUE: %(task)s for %(patient)s (due %(when)s)")
                    mail_subject = _("Overdue: a monitoring task on your ward")
                else:
                    subject = _("Due soon: %(task)s for %(patient)s at %(when)s")
                    mail_subject = _("Due soon: a monitoring task on your ward")
                subject = subject % {
                    "task": task.get_kind_display(),
                    "patient": f"{patient.display_name} {patient.mrn}",
                    "when": local_when(task.due_at),
                }
                message = messaging.email_body(headline=subject, link=link)
                mail_subject = messaging.email_subject(mail_subject)
            notification = Notification(
                recipient=recipient,
                subject=subject[:200],
                link=link,
                source_key=f"reminder:{reminder.pk}",
            )
            notifications.append(notification)
            emails[id(notification)] = (mail_subject, message)
    already_sent = set(
        Notification.objects.filter(
            recipient_id__in={n.recipient_id for n in notifications},
            source_key__in={n.source_key for n in notifications},
        ).values_list("recipient_id", "source_key")
    )
    new = [n for n in notifications if (n.recipient_id, n.source_key) not in already_sent]
    Notification.objects.bulk_create(new)
    # The e-mail copies are outbox rows of this transaction, in one INSERT: a worker killed
    # after commit loses none, and core's worker sends each once (core.services).
    outbox_emails_enqueue(
        messages=[
            outbox_email(
                recipient=n.recipient,
                source_key=n.source_key,
                subject=emails[id(n)][0],
                body=emails[id(n)][1],
            )
            for n in new
            if n.recipient.email
        ]
    )
