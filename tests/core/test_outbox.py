"""The notification outbox: one row per recipient, channel and cause, queued in the caller's
transaction, delivered by the worker and marked sent only once the mail server accepted it.
(The same with a real worker, Redis and an SMTP server: test_outbox_worker.py.)"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core import outbox_rules
from core.models import DeliveryState, Notification, OutboxMessage
from core.services import (
    notification_send,
    outbox_deliver_due,
    outbox_email,
    outbox_emails_enqueue,
    outbox_messages_retry_now,
)

# --- The back-off rule (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    "attempts, minutes", [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (12, 60)]
)
def test_each_failure_doubles_the_wait_up_to_an_hour(attempts, minutes):
    assert outbox_rules.retry_delay(attempts=attempts) == timedelta(minutes=minutes)


def test_the_wait_follows_a_failed_attempt():
    with pytest.raises(ValueError):
        outbox_rules.retry_delay(attempts=0)


@given(st.integers(min_value=1, max_value=10_000))
def test_the_wait_never_shrinks_and_never_passes_the_cap(attempts):
    delay = outbox_rules.retry_delay(attempts=attempts)
    assert outbox_rules.FIRST_RETRY_AFTER <= delay <= outbox_rules.RETRY_AFTER_CAP
    assert outbox_rules.retry_delay(attempts=attempts + 1) >= delay


def test_the_outbox_gives_up_after_the_last_attempt():
    assert not outbox_rules.gives_up(attempts=outbox_rules.MAX_ATTEMPTS - 1)
    assert outbox_rules.gives_up(attempts=outbox_rules.MAX_ATTEMPTS)


def test_the_message_id_is_the_rows_own():
    assert outbox_rules.message_id(token="ab12", domain="cart.example") == (
        "<outbox.ab12@cart.example>"
    )


# --- Queueing -------------------------------------------------------------------------------


@pytest.fixture
def ada(nurse_ada):
    nurse_ada.email = "ada@hospital.example"
    nurse_ada.save()
    return nurse_ada


def _queue(recipient, key="escalation:1", **kwargs):
    return outbox_emails_enqueue(
        messages=[
            outbox_email(
                recipient=recipient,
                source_key=key,
                subject="[CAR-T] A patient needs you",
                body="Open it",
                **kwargs,
            )
        ]
    )


def test_one_cause_queues_one_e_mail_per_recipient(ada, dr_ben):
    for _ in range(3):
        notification_send(recipient=ada, subject="Escalation", source_key="escalation:1")
    assert Notification.objects.filter(recipient=ada).count() == 1
    (row,) = OutboxMessage.objects.all()
    assert (row.recipient, row.address, row.state) == (ada, ada.email, DeliveryState.PENDING)
    assert row.source_key == "escalation:1" and row.subject == "[CAR-T] New message"
    assert _queue(ada) == 0
    assert OutboxMessage.objects.count() == 1


def test_a_second_batch_with_the_same_causes_adds_nothing(ada, dr_ben):
    dr_ben.email = "ben@hospital.example"
    dr_ben.save()
    messages = [
        outbox_email(recipient=r, source_key=f"reminder:{n}", subject="s", body="b")
        for r in (ada, dr_ben)
        for n in range(3)
    ]
    assert outbox_emails_enqueue(messages=messages) == 6
    again = [
        outbox_email(recipient=r, source_key=f"reminder:{n}", subject="s", body="b")
        for r in (ada, dr_ben)
        for n in range(4)
    ]
    assert outbox_emails_enqueue(messages=again) == 2
    assert OutboxMessage.objects.count() == 8


def test_no_address_no_e_mail(nurse_ada):
    notification_send(recipient=nurse_ada, subject="Escalation", source_key="escalation:1")
    assert Notification.objects.filter(recipient=nurse_ada).exists()
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_write_queues_nothing(ada):
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(recipient=ada, subject="Escalation", source_key="escalation:1")
        raise RuntimeError("the escalation was not saved")
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()


def test_the_worker_is_kicked_once_per_transaction(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            _queue(ada, key=f"reminder:{n}")
    assert len(callbacks) == 1


# --- Delivery -------------------------------------------------------------------------------


def test_delivered_once_with_the_rows_message_id(ada):
    _queue(ada)
    assert outbox_deliver_due().sent == 1
    (message,) = mail.outbox
    row = OutboxMessage.objects.get()
    assert message.to == [ada.email] and message.subject == "[CAR-T] A patient needs you"
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.message()["Message-ID"] == row.message_id
    assert (row.state, row.attempts) == (DeliveryState.SENT, 1) and row.sent_at is not None
    assert outbox_deliver_due().sent == 0
    assert len(mail.outbox) == 1


def test_a_refused_e_mail_waits_and_is_tried_again(ada, monkeypatch):
    _queue(ada)
    calls = []

    def refused(self, fail_silently=False):
        calls.append(self)
        raise OSError("mail server down")

    with time_machine.travel(timezone.now(), tick=False) as clock:
        monkeypatch.setattr(mail.EmailMessage, "send", refused)
        report = outbox_deliver_due()
        assert (report.sent, report.retried) == (0, 1)
        row = OutboxMessage.objects.get()
        assert row.state == DeliveryState.PENDING and row.attempts == 1
        assert row.next_attempt_at == timezone.now() + timedelta(minutes=1)
        assert row.last_error == "OSError: mail server down"

        monkeypatch.undo()
        assert outbox_deliver_due().sent == 0  # not due yet
        clock.shift(timedelta(seconds=61))
        assert outbox_deliver_due().sent == 1
    assert len(calls) == 1 and len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT and row.attempts == 2 and row.last_error == ""


def test_after_the_last_attempt_the_message_is_failed(ada, monkeypatch):
    _queue(ada)
    OutboxMessage.objects.update(attempts=outbox_rules.MAX_ATTEMPTS - 1)

    def refused(self, fail_silently=False):
        raise OSError("mailbox unavailable")

    monkeypatch.setattr(mail.EmailMessage, "send", refused)
    assert outbox_deliver_due().failed == 1
    row = OutboxMessage.objects.get()
    assert row.state == DeliveryState.FAILED and row.attempts == outbox_rules.MAX_ATTEMPTS
    assert outbox_deliver_due().failed == 0


def test_a_reset_link_is_erased_once_sent(ada):
    _queue(ada, key="password-reset-link:1", body_holds_credential=True)
    outbox_deliver_due()
    assert mail.outbox[0].body == "Open it"
    assert OutboxMessage.objects.get().body == ""


def test_a_row_left_sending_by_a_dead_worker_is_claimed_again_after_the_lease(ada, settings):
    settings.OUTBOX_SENDING_LEASE_SECONDS = 600
    _queue(ada, key="a")
    _queue(ada, key="b")
    now = timezone.now()
    OutboxMessage.objects.filter(source_key="a").update(
        state=DeliveryState.SENDING, claimed_at=now - timedelta(minutes=11), attempts=1
    )
    OutboxMessage.objects.filter(source_key="b").update(
        state=DeliveryState.SENDING, claimed_at=now - timedelta(minutes=5), attempts=1
    )
    assert outbox_deliver_due().sent == 1
    assert [m.message()["Message-ID"] for m in mail.outbox] == [
        OutboxMessage.objects.get(source_key="a").message_id
    ]
    assert OutboxMessage.objects.get(source_key="b").state == DeliveryState.SENDING


def test_a_row_another_sweep_took_over_is_not_sent_twice(ada, monkeypatch):
    """This batch ran past its lease and another sweep claimed the row: the renewal before
    sending fails and this sweep leaves it."""
    from core import services

    _queue(ada)
    original = services._outbox_claim

    def claimed_then_taken_over(*, token, limit):
        ids = original(token=token, limit=limit)
        OutboxMessage.objects.filter(pk__in=ids).update(claim_token=None)
        return ids

    monkeypatch.setattr(services, "_outbox_claim", claimed_then_taken_over)
    assert outbox_deliver_due().sent == 0
    assert mail.outbox == []


def test_one_task_sends_at_most_its_share_and_says_more_is_due(ada, settings):
    settings.OUTBOX_BATCH = 2
    for n in range(5):
        _queue(ada, key=f"reminder:{n}")
    report = outbox_deliver_due(max_messages=3)
    assert report.sent == 3 and report.more_due
    report = outbox_deliver_due(max_messages=3)
    assert report.sent == 2 and not report.more_due


def test_the_task_queues_the_next_when_more_is_due(ada, settings, monkeypatch):
    from core import tasks

    settings.OUTBOX_TASK_MAX_MESSAGES = 1
    _queue(ada, key="a")
    _queue(ada, key="b")
    queued = []
    monkeypatch.setattr(tasks.outbox_deliver, "delay", lambda: queued.append(1))
    assert tasks.outbox_deliver()["sent"] == 1 and queued == [1]
    assert tasks.outbox_deliver()["sent"] == 1 and queued == [1]


def test_beat_sweeps_the_outbox(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-deliver"]
    assert entry["task"] == "core.tasks.outbox_deliver"
    assert entry["schedule"] == timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS)


# --- Retry now, and the admin list ----------------------------------------------------------


def test_an_administrator_retries_failed_and_waiting_messages_only(ada, admin_alex):
    for key in ("failed", "waiting", "sent", "sending", "failed-link"):
        _queue(ada, key=key, body_holds_credential=key == "failed-link")
    later = timezone.now() + timedelta(hours=1)
    OutboxMessage.objects.filter(source_key__startswith="failed").update(state=DeliveryState.FAILED)
    OutboxMessage.objects.filter(source_key="waiting").update(next_attempt_at=later)
    OutboxMessage.objects.filter(source_key="sent").update(state=DeliveryState.SENT)
    OutboxMessage.objects.filter(source_key="sending").update(
        state=DeliveryState.SENDING, claimed_at=timezone.now()
    )
    ids = OutboxMessage.objects.values_list("pk", flat=True)
    assert outbox_messages_retry_now(by=admin_alex, message_ids=ids) == 2
    assert outbox_deliver_due().sent == 2
    assert {m.message()["Message-ID"] for m in mail.outbox} == {
        OutboxMessage.objects.get(source_key=k).message_id for k in ("failed", "waiting")
    }


def test_an_auditor_may_not_retry(ada, auditor_cara):
    _queue(ada)
    with pytest.raises(PermissionDenied):
        outbox_messages_retry_now(
            by=auditor_cara, message_ids=OutboxMessage.objects.values_list("pk", flat=True)
        )


def test_the_auditor_reads_the_outbox_without_its_text(client, ada, auditor_cara):
    _queue(ada, key="password-reset-link:1", body_holds_credential=True)
    row = OutboxMessage.objects.get()
    OutboxMessage.objects.update(
        body="https://cart.example/accounts/reset/MQ/secret-token/", state=DeliveryState.FAILED
    )
    client.force_login(auditor_cara)
    listing = client.get("/admin/core/outboxmessage/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "[CAR-T] A patient needs you" in page
    assert "secret-token" not in page and "Retry now" not in page
    detail = client.get(f"/admin/core/outboxmessage/{row.pk}/change/").content.decode()
    assert row.message_id.strip("<>") in detail and "secret-token" not in detail
    refused = client.post(
        "/admin/core/outboxmessage/",
        {"action": "retry_now", "_selected_action": [row.pk]},
    )
    assert refused.status_code in (200, 302, 403)
    row.refresh_from_db()
    assert row.state == DeliveryState.FAILED


def test_the_administrator_retries_from_the_admin_list(client, ada, admin_alex):
    _queue(ada)
    OutboxMessage.objects.update(state=DeliveryState.FAILED, last_error="SMTPDataError: 451")
    client.force_login(admin_alex)
    listing = client.get("/admin/core/outboxmessage/")
    assert "Retry now" in listing.content.decode()
    response = client.post(
        "/admin/core/outboxmessage/",
        {"action": "retry_now", "_selected_action": [OutboxMessage.objects.get().pk]},
    )
    assert response.status_code == 302
    assert OutboxMessage.objects.get().state == DeliveryState.PENDING
