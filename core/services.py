import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import messaging, outbox_rules
from .models import (
    ApiToken,
    DeliveryChannel,
    DeliveryState,
    Notification,
    OutboxMessage,
    User,
    WorkerHeartbeat,
)
from .permissions import can_run_message_delivery

logger = logging.getLogger(__name__)


@transaction.atomic
def heartbeat_record(*, name: str) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now()}
    )
    return beat


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    return user


@transaction.atomic(savepoint=False)
def notification_send(
    *,
    recipient: User,
    subject: str,
    body: str = "",
    link: str = "",
    source_key: str,
    email_subject: str = "",
) -> Notification | None:
    """In-app notification plus an e-mail queued in the outbox, both in the caller's
    transaction; a second call for the same cause does nothing (unique recipient +
    source_key), so callers may retry freely.

    Compose ``subject`` and ``body`` inside ``core.messaging.in_language_of(recipient)``.
    ``subject`` is the in-app line (it may name the patient: it is read behind the login);
    the e-mail subject is ``email_subject``, which must not identify the patient, or a
    generic "New message"; ``link`` is the page's path, sent by e-mail as an absolute link."""
    notification, created = Notification.objects.get_or_create(
        recipient=recipient,
        source_key=source_key,
        defaults={"subject": subject[:200], "body": body, "link": link},
    )
    if not created:
        return None
    if recipient.email:
        with messaging.in_language_of(recipient):
            mail_subject = messaging.email_subject(email_subject or _("New message"))
            message = messaging.email_body(headline=subject, body=body, link=link)
        outbox_emails_enqueue(
            messages=[
                outbox_email(
                    recipient=recipient, source_key=source_key, subject=mail_subject, body=message
                )
            ]
        )
    return notification


@transaction.atomic
def notifications_settle(*, source_key: str) -> int:
    """The cause of these notifications has been dealt with (an escalation acknowledged): they
    stop counting as unread for every recipient, so the Messages badge clears."""
    return Notification.objects.filter(source_key=source_key, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_id) -> int:
    if not str(notification_id).isdigit():
        return 0
    return Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- Notification outbox ------------------------------------------------------------------
#
# Every e-mail is a row queued in the transaction that caused it and delivered by a worker
# (core.tasks.outbox_deliver, kicked after commit and swept by beat):
#
#   pending --claim--> sending --accepted by the mail server--> sent
#                         |--refused or unreachable--> pending, later (outbox_rules back-off)
#                         |--after MAX_ATTEMPTS--> failed (an administrator may retry it)
#
# A worker that dies leaves its rows in "sending"; once their claim is older than
# OUTBOX_SENDING_LEASE the next sweep claims them again. The one window left: the server
# accepted the message and the worker died before the row was marked sent. The message then
# goes out a second time, with the same Message-ID (outbox_rules.message_id), so the
# receiving server and mail client see one message twice, not two messages.


def outbox_email(
    *,
    recipient: User,
    source_key: str,
    subject: str,
    body: str,
    address: str = "",
    body_holds_credential: bool = False,
) -> OutboxMessage:
    """An e-mail to queue with ``outbox_emails_enqueue`` (not saved). Compose ``subject`` and
    ``body`` inside ``core.messaging.in_language_of(recipient)``; the subject must not
    identify a patient (``messaging.email_subject``). ``address`` defaults to hers."""
    return OutboxMessage(
        recipient=recipient,
        channel=DeliveryChannel.EMAIL,
        address=address or recipient.email,
        source_key=source_key[:120],
        subject=subject[:200],
        body=body,
        body_holds_credential=body_holds_credential,
    )


@transaction.atomic(savepoint=False)
def outbox_emails_enqueue(*, messages: Iterable[OutboxMessage]) -> int:
    """Queue e-mails in the caller's transaction, in one INSERT; a message whose cause,
    recipient and channel are queued already is left out (the unique key, also against a
    concurrent caller). Returns how many were new. The worker is kicked once after commit."""
    messages = [m for m in messages if m.address]
    if not messages:
        return 0
    now = timezone.now()
    for message in messages:
        message.next_attempt_at = now
        message.full_clean(exclude=["recipient"], validate_unique=False, validate_constraints=False)
    queued = set(
        OutboxMessage.objects.filter(
            recipient_id__in={m.recipient_id for m in messages},
            source_key__in={m.source_key for m in messages},
        ).values_list("recipient_id", "source_key", "channel")
    )
    new, seen = [], set(queued)
    for message in messages:
        key = (message.recipient_id, message.source_key, message.channel)
        if key not in seen:
            seen.add(key)
            new.append(message)
    OutboxMessage.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        _outbox_kick_after_commit()
    return len(new)


def _outbox_kick_after_commit() -> None:
    """Queue one delivery task when the transaction commits (one per transaction, however
    many messages it queued). A lost task loses nothing: beat sweeps the outbox too."""
    if any(func is _outbox_kick for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_outbox_kick, robust=True)


def _outbox_kick() -> None:
    from .tasks import outbox_deliver

    outbox_deliver.delay()


@dataclass
class OutboxDelivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    more_due: bool = False


def outbox_deliver_due(*, max_messages: int | None = None) -> OutboxDelivery:
    """Deliver the outbox rows that are due, in batches of OUTBOX_BATCH, at most
    ``max_messages`` (then ``more_due`` says whether rows are left for another task).

    Each batch is claimed with one conditional UPDATE ... RETURNING (a row another sweep
    holds is skipped), committed, then sent over one connection to the mail server; each row
    is marked sent right after the server accepted it, never before."""
    report = OutboxDelivery()
    handled = 0
    while True:
        limit = settings.OUTBOX_BATCH
        if max_messages is not None:
            if handled >= max_messages:
                report.more_due = _outbox_any_due()
                return report
            limit = min(limit, max_messages - handled)
        token = uuid.uuid4()
        claimed = _outbox_claim(token=token, limit=limit)
        if not claimed:
            return report
        handled += len(claimed)
        _outbox_send_email(claimed, token=token, report=report)


def _outbox_due_sql(table: str) -> str:
    return (
        f"(({table}.state = 'pending' AND {table}.next_attempt_at <= %s)"
        f" OR ({table}.state = 'sending' AND {table}.claimed_at < %s))"
    )


def _outbox_any_due() -> bool:
    now = timezone.now()
    return (
        OutboxMessage.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now).exists()
        or OutboxMessage.objects.filter(
            state=DeliveryState.SENDING, claimed_at__lt=now - _outbox_lease()
        ).exists()
    )


def _outbox_lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_SENDING_LEASE_SECONDS)


def _outbox_claim(*, token: uuid.UUID, limit: int) -> list[int]:
    """Move up to ``limit`` due rows to "sending" under this claim token and return their ids:
    pending rows whose next attempt is due, and rows left in "sending" by a worker that died
    (claimed longer ago than the lease). PostgreSQL skips rows another sweep holds locked
    (SKIP LOCKED); SQLite takes the write lock when the transaction begins."""
    now = timezone.now()
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    # The pick is a CTE, evaluated once: as "id IN (SELECT ... LIMIT n FOR UPDATE)",
    # PostgreSQL may run the subquery again for each row and claim far more than n.
    pick = (
        f"SELECT id FROM {table} AS candidate WHERE {_outbox_due_sql('candidate')}"
        " ORDER BY next_attempt_at, id LIMIT %s"
    )
    if connection.features.has_select_for_update_skip_locked:
        pick += " FOR UPDATE SKIP LOCKED"
    prep = OutboxMessage._meta.get_field("claimed_at").get_db_prep_save
    stale = prep(now - _outbox_lease(), connection)
    at = prep(now, connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH picked AS ({pick}) UPDATE {table} SET state = 'sending', claim_token = %s,"
            f" claimed_at = %s, attempts = attempts + 1 FROM picked"
            f" WHERE {table}.id = picked.id AND {_outbox_due_sql(table)} RETURNING {table}.id",
            [
                at,
                stale,
                limit,
                OutboxMessage._meta.get_field("claim_token").get_db_prep_save(token, connection),
                at,
                at,
                stale,
            ],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _outbox_still_ours(pk: int, token: uuid.UUID) -> bool:
    """Renew the claim just before sending: False if another sweep took the row over (this
    batch ran past the lease), and then it is not sent from here."""
    return (
        OutboxMessage.objects.filter(pk=pk, claim_token=token, state=DeliveryState.SENDING).update(
            claimed_at=timezone.now()
        )
        == 1
    )


def _outbox_send_email(ids: list[int], *, token: uuid.UUID, report: OutboxDelivery) -> None:
    rows = list(OutboxMessage.objects.filter(pk__in=ids, claim_token=token).order_by("pk"))
    connection_to_server = mail.get_connection(fail_silently=False)
    try:
        for row in rows:
            if not _outbox_still_ours(row.pk, token):
                continue
            email = mail.EmailMessage(
                row.subject,
                row.body,
                settings.DEFAULT_FROM_EMAIL,
                [row.address],
                headers={"Message-ID": row.message_id},
                connection=connection_to_server,
            )
            try:
                accepted = email.send()
            except Exception as error:  # any refusal or network error: try again later
                logger.warning(
                    "e-mail delivery failed", extra={"outbox_id": row.pk, "error": repr(error)}
                )
                _outbox_connection_reset(connection_to_server)
                _outbox_attempt_failed(row, token=token, error=error, report=report)
                continue
            if accepted != 1:
                _outbox_attempt_failed(row, token=token, error=None, report=report)
                continue
            _outbox_mark_sent(row, token=token)
            report.sent += 1
    finally:
        _outbox_connection_reset(connection_to_server)


def _outbox_connection_reset(connection_to_server) -> None:
    """Close the connection after an error, so the next message opens a fresh one."""
    try:
        connection_to_server.close()
    except Exception:  # a half-dead connection: nothing more to do with it
        connection_to_server.connection = None


def _outbox_mark_sent(row: OutboxMessage, *, token: uuid.UUID) -> None:
    changes = {"state": DeliveryState.SENT, "sent_at": timezone.now(), "last_error": ""}
    if row.body_holds_credential:
        changes["body"] = ""
    OutboxMessage.objects.filter(pk=row.pk, claim_token=token).update(**changes)


def _outbox_attempt_failed(
    row: OutboxMessage, *, token: uuid.UUID, error: Exception | None, report: OutboxDelivery
) -> None:
    reason = f"{type(error).__name__}: {error}" if error else "not accepted by the mail server"
    changes: dict = {"last_error": reason[:300], "claim_token": None}
    if outbox_rules.gives_up(attempts=row.attempts):
        changes["state"] = DeliveryState.FAILED
        if row.body_holds_credential:
            changes["body"] = ""
        report.failed += 1
    else:
        changes["state"] = DeliveryState.PENDING
        changes["next_attempt_at"] = timezone.now() + outbox_rules.retry_delay(
            attempts=row.attempts
        )
        report.retried += 1
    OutboxMessage.objects.filter(pk=row.pk, claim_token=token).update(**changes)


@transaction.atomic
def outbox_messages_retry_now(*, by: User, message_ids: Iterable[int]) -> int:
    """An administrator's "retry now": failed or waiting messages are due at once. A message
    being sent or sent already is left alone (it would go twice), and so is a failed
    password-reset link, whose text was erased: a new link is issued instead."""
    if not can_run_message_delivery(by):
        raise PermissionDenied(_("Only administrators retry messages."))
    retried = (
        OutboxMessage.objects.filter(
            pk__in=list(message_ids), state__in=[DeliveryState.PENDING, DeliveryState.FAILED]
        )
        .exclude(state=DeliveryState.FAILED, body_holds_credential=True)
        .update(state=DeliveryState.PENDING, next_attempt_at=timezone.now())
    )
    if retried:
        _outbox_kick_after_commit()
    return retried


# --- Second factor (TOTP) ---------------------------------------------------------------


@transaction.atomic
def totp_device_for_setup(*, user: User):
    """The user's unconfirmed authenticator, created on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def totp_secret_base32(device) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


def totp_qr_data_uri(device) -> str:
    """The otpauth:// address as an SVG QR code, inline (no external image service)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(device.config_url).save(buffer, kind="svg", scale=4)
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


# --- API tokens ---------------------------------------------------------------------------


def api_token_digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``. The key is returned once, to show once; only its digest and
    first characters are stored."""
    import secrets
    from datetime import timedelta

    from django.conf import settings

    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken(
        user=user,
        name=name[:100],
        prefix=key[: ApiToken.PREFIX_LENGTH],
        digest=api_token_digest(key),
        password_stamp=user.get_session_auth_hash(),
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    token.full_clean()
    token._history_user = user
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token_id) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is not found."""
    from django.core.exceptions import ObjectDoesNotExist

    if not str(token_id).isdigit():
        raise ObjectDoesNotExist
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.full_clean()
        token._history_user = user
        token.save(update_fields=["revoked_at"])
    return token


@transaction.atomic
def api_tokens_revoke_stale(*, user: User) -> int:
    """Revoke the user's tokens once the password changed or the account was deactivated."""
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if user.is_active:
        live = live.exclude(password_stamp=user.get_session_auth_hash())
    now = timezone.now()
    revoked = 0
    for token in live:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        revoked += 1
    return revoked


def _revoke_tokens_after_user_save(sender, instance, created, update_fields=None, **kwargs):
    credentials = {"password", "is_active"}
    if created or (update_fields is not None and not credentials & set(update_fields)):
        return  # a login's last_login, a language choice: nothing that touches credentials
    api_tokens_revoke_stale(user=instance)
