"""Electronic sign-off: re-enter the password, record the meaning, name and time; any later
change to the signed fields voids the signature, visibly."""

import functools
import hashlib
import json
from contextvars import ContextVar
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from . import system_text
from .models import Signature, User

_SIGNED_FIELDS: dict[type, tuple[str, ...]] = {}
# The user whose password was confirmed for the service call in progress (see password_first).
_confirmed_user: ContextVar[int | None] = ContextVar("confirmed_user", default=None)


def signable(*fields: str):
    """Class decorator: these fields of the model are what a signature covers."""

    def register(model):
        _SIGNED_FIELDS[model] = fields
        post_save.connect(_void_if_changed, sender=model, dispatch_uid=f"sign:{model._meta.label}")
        return model

    return register


def signed_fields_of(record) -> tuple[str, ...]:
    """The fields a signature of this record covers."""
    return _SIGNED_FIELDS[type(record)]


def signed_models() -> tuple[type, ...]:
    """The models a signature may cover (for readers that follow the generic link)."""
    return tuple(_SIGNED_FIELDS)


def fingerprint(record) -> str:
    values = {name: _value(record, name) for name in _SIGNED_FIELDS[type(record)]}
    text = json.dumps(values, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _value(record, name):
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    if isinstance(field, models.DecimalField) and value is not None:
        # As the database stores it: 90 typed in a form and 90.0 read back are the same dose.
        value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def authenticate_password(request, username: str, password: str) -> User | None:
    """Username and password through Django's ``authenticate()``, so django-axes counts a
    wrong password and refuses a locked-out user, as at the login page."""
    from django.contrib.auth import authenticate

    if not username or not password:
        return None
    return authenticate(_django_request(request), username=username, password=password)


def _django_request(request):
    from django.http import HttpRequest

    if request is None:  # a service called outside a web request (shell, task, test)
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
    return getattr(request, "_request", request)  # DRF wraps Django's request


# The hospital's identity provider, when single sign-on is installed: the sso app registers
# itself here at start-up (sso.apps), because core is the bottom layer and imports no app
# (README, Architecture). It answers two questions: did this session sign in there, and has
# the user just confirmed her identity there (prompt=login) for this signature.
_identity_provider = None


def identity_provider_register(provider) -> None:
    """``provider`` has ``uses_identity_provider(request)`` and
    ``consume_confirmation(request, *, user)`` (sso.reauth)."""
    global _identity_provider
    _identity_provider = provider


def reauthenticate(request, user: User, password: str) -> None:
    """The one check of "it is really you" before an e-signature (MDT decision, plan
    verification, gate review, bag check). Wrong passwords count towards the login lockout,
    and a locked-out user cannot sign. ``request`` may be None: the request being served is
    used. Raises ValidationError on ``password``; returns nothing when the user is confirmed.
    LDAP users re-enter their directory password (``authenticate()`` asks the directory).
    """
    from .request_context import request_var

    request = _django_request(request if request is not None else request_var.get())
    if _identity_provider is not None and _identity_provider.uses_identity_provider(request):
        # Signed in at the hospital's identity provider: she confirms there again (sso.reauth,
        # prompt=login and a fresh auth_time), never with a local password.
        if not _identity_provider.consume_confirmation(request, user=user):
            raise ValidationError(
                {
                    "password": _(
                        "Confirm your identity at the hospital sign-in first; nothing was signed."
                    )
                },
                code="reauthenticate",
            )
        return
    confirmed = authenticate_password(request, user.get_username(), password)
    if confirmed is None or confirmed.pk != user.pk:
        if getattr(request, "axes_locked_out", False):
            message = _(
                "Too many wrong passwords: this account is locked for a while. Nothing was signed."
            )
        else:
            message = _("The password is not correct; nothing was signed.")
        raise ValidationError({"password": message}, code="password")


def password_first(service):
    """Decorate a signing service (above its ``transaction.atomic``): the password of ``by``
    is checked before the transaction opens, so a wrong one stays counted by django-axes
    instead of being rolled back with the service's writes. Signatures made inside the call
    do not ask ``authenticate()`` a second time."""

    @functools.wraps(service)
    def checked(*, by: User, password: str = "", **kwargs):
        reauthenticate(None, by, password)
        token = _confirmed_user.set(by.pk)
        try:
            return service(by=by, password=password, **kwargs)
        finally:
            _confirmed_user.reset(token)

    return checked


def signature_sign(*, user: User, password: str, record, meaning: str) -> Signature:
    """Sign a record. The password is asked again, so a session left open on a ward computer
    cannot sign in someone else's name."""
    if type(record) not in _SIGNED_FIELDS:
        raise TypeError(f"{type(record).__name__} is not signable")
    if _confirmed_user.get() != user.pk:
        reauthenticate(None, user, password)
    signature = Signature(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        meaning=meaning,
        signer=user,
        signer_name=user.get_full_name() or user.username,
        signed_at=timezone.now(),
        signed_fields=list(_SIGNED_FIELDS[type(record)]),
        fingerprint=fingerprint(record),
        record_version=getattr(record, "version", None),
    )
    signature.full_clean()
    signature._history_user = user
    signature.save()
    return signature


def signatures_for(record):
    return Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("signer")


def signature_void(*, record, by: User, reason: str) -> int:
    """Void the valid signatures of ``record`` with the reason a person reads ("Day 0 moved
    from … to …"), before the service saves its change; returns how many were voided. A
    change saved without it voids them too, with the generic reason (``_void_if_changed``)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the signature is void.")})
    voided = 0
    with transaction.atomic():
        for signature in signatures_for(record).filter(voided_at__isnull=True):
            signature.voided_at = timezone.now()
            signature.void_reason = reason[: Signature._meta.get_field("void_reason").max_length]
            signature._history_user = by
            signature.save(update_fields=["voided_at", "void_reason"])
            voided += 1
    return voided


def _void_if_changed(sender, instance, created, **kwargs):
    if created:
        return
    current = fingerprint(instance)
    with transaction.atomic():
        for signature in signatures_for(instance).filter(voided_at__isnull=True):
            if signature.fingerprint != current:
                signature.voided_at = timezone.now()
                signature.void_reason = system_text.english(
                    system_text.text("core.signature_record_changed")
                )
                signature.save(update_fields=["voided_at", "void_reason"])
