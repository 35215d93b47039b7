import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import Role


class Ward(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Roles are groups; wards limit what a nurse sees."""

    wards = models.ManyToManyField(Ward, blank=True, related_name="staff", verbose_name=_("wards"))
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Language of the pages for this user; empty follows the browser."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's role names, read once per request."""
        return frozenset(self.groups.values_list("name", flat=True)) & set(Role.values)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in Role.values if r in self.roles]


class WorkerHeartbeat(models.Model):
    """One row, touched by a beat-scheduled task: proof that beat and a worker both run."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """An in-app message to one member of staff (reminders, escalations)."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # Ties a notification to the row that caused it, so one cause never notifies twice.
    source_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source_key"], name="one_notification_per_cause"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class DeliveryChannel(models.TextChoices):
    """How an outbox message reaches its recipient. In-app messages are Notification rows
    (delivered is visible on the Messages page); SMS or WeCom would be further channels here,
    each with its sender in core.services."""

    EMAIL = "email", _("E-mail")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """One message to one recipient on one channel, queued in the transaction that caused it
    (a rolled-back write queues nothing) and delivered by a worker that marks it sent only
    after the channel accepted it (core.services.outbox_deliver_due)."""

    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=DeliveryChannel.choices, default=DeliveryChannel.EMAIL
    )
    # Where it goes, fixed when it is queued: a later change of address does not redirect it
    # (the old address is told of a change, core.role_grants).
    address = models.CharField(_("address"), max_length=254)
    # The cause (a reminder, an escalation): one cause never queues two messages to the same
    # recipient on the same channel.
    source_key = models.CharField(_("cause"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # A password-reset link works like a key: its text is erased once sent or given up.
    body_holds_credential = models.BooleanField(default=False)
    message_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        _("delivery state"),
        max_length=10,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "recipient", "channel"],
                name="one_outbox_message_per_cause_and_channel",
            )
        ]
        indexes = [
            # The worker's claim reads only the rows still to deliver.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_to_deliver",
                condition=models.Q(state__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject} ({self.get_state_display()})"

    @property
    def message_id(self) -> str:
        from urllib.parse import urlsplit

        from django.conf import settings

        from .outbox_rules import message_id

        domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        return message_id(token=self.message_token.hex, domain=domain)


class SignatureMeaning(models.TextChoices):
    APPROVED_BY = "approved_by", _("Approved by")
    DECLINED_BY = "declined_by", _("Declined by")
    DEFERRED_BY = "deferred_by", _("Deferred by")
    VERIFIED_BY = "verified_by", _("Verified by")
    REVIEWED_BY = "reviewed_by", _("Reviewed by")
    CHECKED_BY = "checked_by", _("Checked by")
    CORRECTED_BY = "corrected_by", _("Corrected by")


class Signature(models.Model):
    """An electronic sign-off (21 CFR Part 11 style): who signed which record, meaning what,
    when, and a fingerprint of what they saw. Changing the record afterwards voids it."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    meaning = models.CharField(_("meaning"), max_length=20, choices=SignatureMeaning.choices)
    signer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("signed by")
    )
    signer_name = models.CharField(_("name at signing"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    signed_fields = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    # The version the signer saw, for records with optimistic locking (a lymphodepletion plan
    # is verified "version 3"); empty for records without one.
    record_version = models.PositiveIntegerField(_("version signed"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why void"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_meaning_display()} {self.signer_name} {self.signed_at:%Y-%m-%d %H:%M}"

    @property
    def is_valid(self) -> bool:
        return self.voided_at is None


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the key is stored, with its first
    characters to recognise it by: whoever reads the database cannot use a token. A key is
    32 random bytes, so a fast hash is enough (a slow hash protects guessable passwords).

    A token expires (``API_TOKEN_DAYS``), is refused once its owner's password changes (it
    carries the password-derived hash Django uses for sessions) and is revoked when its owner
    changes password or is deactivated.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("starts with"), max_length=PREFIX_LENGTH)
    digest = models.CharField(max_length=64, unique=True)
    password_stamp = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["digest", "password_stamp", "last_used_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            )
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class RoleGrantState(models.TextChoices):
    PENDING = "pending", _("Waiting for a second administrator")
    APPROVED = "approved", _("Approved and applied")
    REFUSED = "refused", _("Refused")
    REVOKED = "revoked", _("Role revoked")


class RoleGrantRequest(models.Model):
    """A role given to (or taken from) a member of staff.

    Roles change only through these rows (never by ticking groups in the admin site): an
    administrator asks, a second administrator approves, and only then is the role applied.
    Nobody asks for himself, nobody approves his own request or one that concerns himself. A
    revocation is applied at once (it only takes access away) and kept as a row too, so the
    table, with its history, is the record of every grant and revocation.
    """

    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="role_requests", verbose_name=_("for")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    wards = models.ManyToManyField(Ward, blank=True, related_name="+", verbose_name=_("wards"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=RoleGrantState.choices, default=RoleGrantState.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("user")),
                name="role_request_not_for_requester",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | (
                    ~models.Q(decided_by=models.F("requested_by"))
                    & ~models.Q(decided_by=models.F("user"))
                ),
                name="role_request_decided_by_a_third_person",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[RoleGrantState.APPROVED, RoleGrantState.REFUSED],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                )
                | models.Q(state=RoleGrantState.PENDING, decided_by__isnull=True)
                | models.Q(state=RoleGrantState.REVOKED, decided_by__isnull=True),
                name="role_request_decision_complete",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(state="pending"),
                name="one_pending_request_per_user_and_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.user} ({self.get_state_display()})"

    @property
    def pending(self) -> bool:
        return self.state == RoleGrantState.PENDING
