"""Electronic sign-off: re-enter the password, record the meaning, name and time; any later
change to the signed fields voids the signature, visibly."""

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Signature, User

_SIGNED_FIELDS: dict[type, tuple[str, ...]] = {}


def signable(*fields: str):
    """Class decorator: these fields of the model are what a signature covers."""

    def register(model):
        _SIGNED_FIELDS[model] = fields
        post_save.connect(_void_if_changed, sender=model, dispatch_uid=f"sign:{model._meta.label}")
        return model

    return register


def fingerprint(record) -> str:
    values = {name: _value(record, name) for name in _SIGNED_FIELDS[type(record)]}
    text = json.dumps(values, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _value(record, name):
    field = record._meta.get_field(name)
    return getattr(record, field.attname)


def reauthenticate(request, user: User, password: str) -> None:
    """The one check of "it is really you" before an e-signature, through the backend the
    user signed in with: a session opened at the hospital's identity provider (OIDC) must
    have just confirmed the same person there (sso.reauth); anyone else re-enters the
    password, through ``authenticate()`` (local accounts, or the LDAP directory).
    ``request`` may be None: the request being served is used. Raises ValidationError."""
    from sso import reauth

    from .request_context import request_var

    request = request if request is not None else request_var.get()
    request = getattr(request, "_request", request)  # DRF wraps Django's request
    if reauth.uses_identity_provider(request):
        if not reauth.consume_confirmation(request, user=user):
            raise ValidationError(
                {
                    "password": _(
                        "Confirm your identity at the hospital sign-in first; nothing was signed."
                    )
                },
                code="reauthenticate",
            )
        return
    if not reauth.identity_confirmed(request, user=user, password=password):
        raise ValidationError(
            {"password": _("The password is not correct; nothing was signed.")}, code="password"
        )


def signature_sign(*, user: User, password: str, record, meaning: str) -> Signature:
    """Sign a record. The password is asked again, so a session left open on a ward computer
    cannot sign in someone else's name."""
    if type(record) not in _SIGNED_FIELDS:
        raise TypeError(f"{type(record).__name__} is not signable")
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
    )
    signature.full_clean()
    signature._history_user = user
    signature.save()
    return signature


def signatures_for(record):
    return Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("signer")


def _void_if_changed(sender, instance, created, **kwargs):
    if created:
        return
    current = fingerprint(instance)
    with transaction.atomic():
        for signature in signatures_for(instance).filter(voided_at__isnull=True):
            if signature.fingerprint != current:
                signature.voided_at = timezone.now()
                signature.void_reason = _("The record changed after it was signed.")
                signature.save(update_fields=["voided_at", "void_reason"])
