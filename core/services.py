import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import messaging
from .models import ApiToken, Notification, User, WorkerHeartbeat

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


def notification_send(
    *,
    recipient: User,
    subject: str,
    body: str = "",
    link: str = "",
    source_key: str,
    email_subject: str = "",
) -> Notification | None:
    """In-app notification plus e-mail after commit; a second call for the same cause does
    nothing (unique recipient + source_key), so callers may retry freely.

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
        transaction.on_commit(lambda: _email(recipient.email, mail_subject, message))
    return notification


def _email(address: str, subject: str, message: str) -> None:
    # The in-app notification is already committed; a mail server failure must not undo it.
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[address])
    except Exception:
        logger.exception("e-mail notification failed")


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
