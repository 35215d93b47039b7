"""Account services: role grants with a second administrator's approval, role revocation, and
password-reset links (issue 14, item 3).

An administrator manages accounts but never gives himself access: he cannot change his own
roles, cannot set anyone's password (he issues a one-time link the user completes), and a role
is applied only when a second administrator approves it. Every grant, refusal and revocation
is a RoleGrantRequest row with history, and the grantee and the other administrators are told.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import messaging
from .models import RoleGrantRequest, RoleGrantState, User, Ward
from .permissions import can_manage_accounts
from .roles import STAFF_SITE_ROLES, Role
from .services import notification_send, outbox_email, outbox_emails_enqueue

logger = logging.getLogger(__name__)


def _require_manager(by: User) -> None:
    if not can_manage_accounts(by):
        raise PermissionDenied(_("Only administrators manage accounts."))


def _not_self(by: User, user: User) -> None:
    if by.pk == user.pk:
        raise PermissionDenied(_("Nobody may change his own roles or password this way."))


def other_administrators(*exclude: User):
    return User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True).exclude(
        pk__in=[u.pk for u in exclude]
    )


def _tell(users: Iterable[User], *, subject: str, body: str, link: str, source_key: str) -> None:
    for recipient in users:
        notification_send(
            recipient=recipient, subject=subject, body=body, link=link, source_key=source_key
        )


def _sync_staff_flag(user: User) -> None:
    """The admin site is for administrators and auditors: is_staff follows the roles."""
    roles = set(user.groups.values_list("name", flat=True))
    is_staff = bool(roles & set(STAFF_SITE_ROLES))
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)  # the cached role set is stale now


@transaction.atomic
def role_grant_request(
    *, by: User, user: User, role: str, reason: str, wards: Iterable[Ward] = ()
) -> RoleGrantRequest:
    """Ask for a role for someone else; nothing changes until a second administrator
    approves."""
    _require_manager(by)
    _not_self(by, user)
    wards = list(wards)
    if role == Role.NURSE and not wards:
        raise ValidationError({"wards": _("A nurse needs at least one ward.")})
    if role != Role.NURSE and wards:
        raise ValidationError({"wards": _("Only the nurse role is limited to wards.")})
    grant = RoleGrantRequest(requested_by=by, user=user, role=role, reason=(reason or "").strip())
    grant.full_clean()
    grant.save()
    grant.wards.set(wards)
    logger.info(
        "role requested", extra={"role_request": grant.pk, "grantee": user.pk, "role": role}
    )
    _tell(
        other_administrators(by, user),
        subject=_("Role request to decide: %(role)s for %(user)s")
        % {"role": grant.get_role_display(), "user": user},
        body=_("Asked by %(by)s: %(reason)s") % {"by": by, "reason": grant.reason},
        link=reverse("role_requests"),
        source_key=f"role-request:{grant.pk}:asked",
    )
    return grant


@transaction.atomic
def role_grant_decide(*, by: User, grant_id: int, approve: bool) -> RoleGrantRequest:
    """A second administrator approves (the role is applied now) or refuses a request."""
    _require_manager(by)
    grant = RoleGrantRequest.objects.select_for_update().select_related("user").get(pk=grant_id)
    if not grant.pending:
        raise ValidationError(_("This request has already been decided."))
    if by.pk in (grant.requested_by_id, grant.user_id):
        raise PermissionDenied(
            _("A second administrator decides: not the one who asked, nor the one it is for.")
        )
    grant.state = RoleGrantState.APPROVED if approve else RoleGrantState.REFUSED
    grant.decided_by = by
    grant.decided_at = timezone.now()
    grant.full_clean()
    grant.save()
    user = grant.user
    if approve:
        user.groups.add(Group.objects.get(name=grant.role))
        user.wards.add(*grant.wards.all())
        _sync_staff_flag(user)
    logger.info(
        "role request decided",
        extra={"role_request": grant.pk, "grantee": user.pk, "state": grant.state},
    )
    subject = (
        _("Role granted: %(role)s for %(user)s")
        if approve
        else _("Role refused: %(role)s for %(user)s")
    ) % {"role": grant.get_role_display(), "user": user}
    body = _("Decided by %(by)s.") % {"by": by}
    # The grantee hears of a role she now has; every other administrator of every decision.
    recipients = [*([user] if approve else []), *other_administrators(by, user)]
    _tell(
        recipients,
        subject=subject,
        body=body,
        link=reverse("role_requests"),
        source_key=f"role-request:{grant.pk}:{grant.state}",
    )
    return grant


@transaction.atomic
def role_revoke(*, by: User, user: User, role: str, reason: str) -> RoleGrantRequest:
    """Take a role away at once (it only removes access), recorded like a grant."""
    _require_manager(by)
    _not_self(by, user)
    if role not in user.roles:
        raise ValidationError({"role": _("%(user)s does not have this role.") % {"user": user}})
    record = RoleGrantRequest(
        requested_by=by,
        user=user,
        role=role,
        reason=(reason or "").strip(),
        state=RoleGrantState.REVOKED,
        decided_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    user.groups.remove(Group.objects.get(name=role))
    if role == Role.NURSE:
        record.wards.set(user.wards.all())
        user.wards.clear()
    _sync_staff_flag(user)
    logger.info("role revoked", extra={"role_request": record.pk, "grantee": user.pk})
    _tell(
        [user, *other_administrators(by, user)],
        subject=_("Role revoked: %(role)s for %(user)s")
        % {"role": record.get_role_display(), "user": user},
        body=_("Revoked by %(by)s: %(reason)s") % {"by": by, "reason": record.reason},
        link=reverse("role_requests"),
        source_key=f"role-request:{record.pk}:revoked",
    )
    return record


# After an administrator changes an account's e-mail address, no reset link goes to the new
# address for this long: the old address is told at once, so the holder can object before an
# administrator could take the account over through a link sent to an address he chose.
EMAIL_CHANGE_COOLING_OFF = timedelta(hours=24)


def _email_changed_recently_by_another(user: User) -> bool:
    since = timezone.now() - EMAIL_CHANGE_COOLING_OFF
    records = list(user.history.filter(history_date__gte=since).order_by("history_date"))
    earlier = user.history.filter(history_date__lt=since).order_by("-history_date").first()
    previous = earlier.email if earlier is not None else None
    for record in records:
        if previous is not None and record.email != previous and record.history_user_id != user.pk:
            return True
        previous = record.email
    return False


def user_email_changed(*, by: User, user: User, old_email: str) -> None:
    """Tell the old address, the account holder and the other administrators that an
    administrator changed the e-mail address (called by the admin site after saving)."""
    if old_email == user.email or by.pk == user.pk:
        return
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    if old_email:
        # To the address that was hers, in her language, queued with the change itself.
        with messaging.in_language_of(user):
            message = _(
                "%(by)s changed the e-mail address of your CAR-T workflow account to %(new)s. "
                "If you did not ask for this, tell the helpdesk."
            ) % {"by": by, "new": user.email or "—"}
            subject = messaging.email_subject(_("Your e-mail address was changed"))
        outbox_emails_enqueue(
            messages=[
                outbox_email(
                    recipient=user,
                    address=old_email,
                    source_key=f"email-changed-old-address:{user.pk}:{stamp}",
                    subject=subject,
                    body=message,
                )
            ]
        )
    _tell(
        [user, *other_administrators(by, user)],
        subject=_("E-mail address changed for %(user)s") % {"user": user},
        body=_("Changed by %(by)s.") % {"by": by},
        link="",
        source_key=f"email-changed:{user.pk}:{stamp}",
    )
    logger.info("e-mail address changed", extra={"account": user.pk, "changed_by": by.pk})


@transaction.atomic
def password_reset_link_issue(*, by: User, user: User, base_url: str) -> tuple[str, bool]:
    """A one-time link with which the user sets her own password (Django's token: it stops
    working once the password changes or after PASSWORD_RESET_TIMEOUT).

    E-mailed when the user has an address, and then not shown to the administrator; shown
    once otherwise, to be handed over in person. Either way it is logged (admin log and
    application log) and the user and the other administrators are told. Returns the link
    and whether it was e-mailed."""
    _require_manager(by)
    _not_self(by, user)
    if user.is_superuser and not by.is_superuser:
        raise PermissionDenied(_("Only a superuser manages a superuser's account."))
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    if user.email and _email_changed_recently_by_another(user):
        raise ValidationError(
            _(
                "An administrator changed this account's e-mail address less than 24 hours "
                "ago: a reset link goes to it only after that, once the old address was told."
            )
        )
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = base_url.rstrip("/") + path
    emailed = bool(user.email)
    if emailed:
        with messaging.in_language_of(user):
            message = _(
                "%(by)s issued a link for you to set a new password for the CAR-T workflow. "
                "It works once. If you did not ask for it, tell the helpdesk."
            ) % {"by": by}
            subject = messaging.email_subject(_("Set your password"))
        outbox_emails_enqueue(
            messages=[
                outbox_email(
                    recipient=user,
                    source_key=f"password-reset-link:{user.pk}:{timezone.now().isoformat()}",
                    subject=subject,
                    body=f"{message}\n\n{link}",
                    # The link works like a key: its text is erased once sent.
                    body_holds_credential=True,
                )
            ]
        )
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[user],
        action_flag=CHANGE,
        change_message="Password-reset link issued (e-mailed)"
        if emailed
        else "Password-reset link issued (shown once)",
        single_object=True,
    )
    logger.info(
        "password reset link issued",
        extra={"account": user.pk, "issued_by": by.pk, "emailed": emailed},
    )
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    _tell(
        [user, *other_administrators(by, user)],
        subject=_("Password-reset link issued for %(user)s") % {"user": user},
        body=_("Issued by %(by)s.") % {"by": by},
        link="",
        source_key=f"password-reset:{user.pk}:{stamp}",
    )
    return link, emailed
