"""Every write of the interfaces: receiving, processing and replaying HIS messages, and
resolving reconciliations. Clinical records change only through the owning apps' services."""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import User
from core.permissions import can_edit_patients
from core.roles import Role
from patients import services as patient_services
from patients.models import Patient

from . import hl7v2
from .models import (
    Channel,
    InboundMessage,
    MessageStatus,
    Reconciliation,
    ReconciliationStatus,
)

logger = logging.getLogger(__name__)


def interface_account() -> User:
    """The account the feeds act as: no password, no role, only `feed_from_his`."""
    user, created = User.objects.get_or_create(
        username=settings.HIS_INTERFACE_USERNAME,
        defaults={"first_name": "HIS", "last_name": "interface"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.has_perm("interfaces.feed_from_his"):
        user.user_permissions.add(
            Permission.objects.get(codename="feed_from_his", content_type__app_label="interfaces")
        )
        user = User.objects.get(pk=user.pk)  # drop the permission cache
    return user


@transaction.atomic
def message_store(*, channel: str, raw: bytes) -> InboundMessage:
    """Keep the message as received before anything else happens to it."""
    return InboundMessage.objects.create(channel=channel, raw=bytes(raw))


def hl7_receive(*, raw: bytes) -> tuple[InboundMessage, bytes]:
    """Store, process, and answer: the framed-out ACK bytes, in the message's charset."""
    message = message_store(channel=Channel.HL7_MLLP, raw=raw)
    ack = hl7_process(message=message)
    return message, ack


def hl7_process(*, message: InboundMessage, by: User | None = None) -> bytes:
    """Process a stored HL7 message (first time or replay) and record the outcome. The
    clinical changes of one message commit together or not at all."""
    from . import handlers  # the handlers import the stage apps' services

    parsed = None
    codec = settings.HL7_DEFAULT_CHARSET
    message.attempts += 1
    message.processed_at = timezone.now()
    message.replayed_by = by
    try:
        message.text, codec = hl7v2.decode(
            bytes(message.raw), default_charset=settings.HL7_DEFAULT_CHARSET
        )
        message.charset = codec
        parsed = hl7v2.parse(message.text)
        head = hl7v2.header(parsed)
        message.message_type = head.message_type
        message.control_id = head.control_id[:60]
        message.sending_application = head.sending_application[:60]
        duplicate = _already_done(message)
        if duplicate is not None:
            status, outcome = (
                MessageStatus.IGNORED,
                _("Duplicate of message %(id)s, already processed; nothing done again.")
                % {"id": duplicate.pk},
            )
        else:
            with transaction.atomic():
                status, outcome = handlers.handle(
                    parsed, head=head, message=message, by=interface_account()
                )
        ack_code, error_code = "AA", ""
    except hl7v2.MessageError as error:
        status = MessageStatus.REJECTED if error.reject else MessageStatus.FAILED
        outcome, ack_code, error_code = error.text, ("AR" if error.reject else "AE"), error.code
    except (ValidationError, PermissionDenied) as error:
        status, ack_code, error_code = MessageStatus.FAILED, "AE", hl7v2.APPLICATION_INTERNAL_ERROR
        outcome = " ".join(getattr(error, "messages", None) or [str(error)])
    except Exception as error:
        logger.exception("HL7 message %s failed", message.pk)
        status, ack_code, error_code = MessageStatus.FAILED, "AE", hl7v2.APPLICATION_INTERNAL_ERROR
        outcome = _("Internal error: %(error)s") % {"error": type(error).__name__}
    message.status, message.outcome, message.ack_code = status, outcome, ack_code
    message.save()
    ack = hl7v2.acknowledgement(parsed, ack_code=ack_code, text=outcome, error_code=error_code)
    try:
        return ack.encode(codec)
    except (UnicodeEncodeError, LookupError):
        return ack.encode("utf-8")


def _already_done(message: InboundMessage) -> InboundMessage | None:
    """A sender that did not get our ACK sends the same message again (same MSH-10)."""
    return (
        InboundMessage.objects.filter(
            channel=message.channel,
            sending_application=message.sending_application,
            control_id=message.control_id,
            status__in=[MessageStatus.PROCESSED, MessageStatus.REVIEW],
        )
        .exclude(pk=message.pk)
        .first()
    )


def message_replay(*, by: User, message: InboundMessage) -> InboundMessage:
    """An administrator replays a failed message after fixing the cause (a ward code, a
    registration). A processed message is never processed twice."""
    if not by.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only administrators may replay interface messages."))
    current = InboundMessage.objects.select_for_update(of=("self",))
    with transaction.atomic():
        current = current.get(pk=message.pk)
        if current.status not in (MessageStatus.FAILED, MessageStatus.REJECTED):
            raise ValidationError(_("Only a failed or rejected message can be replayed."))
        if current.channel == Channel.HL7_MLLP:
            hl7_process(message=current, by=by)
        else:
            from .fhir import fhir_process

            fhir_process(message=current, by=by)
    current.refresh_from_db()
    return current


def reconciliation_open(
    *, patient: Patient, message: InboundMessage, differences: dict
) -> Reconciliation:
    reconciliation = Reconciliation(patient=patient, message=message, differences=differences)
    reconciliation.full_clean()
    reconciliation.save()
    return reconciliation


@transaction.atomic
def reconciliation_resolve(
    *, by: User, reconciliation: Reconciliation, take_his: bool, note: str = ""
) -> Reconciliation:
    """A clinician (or an administrator keeping our record) decides: take the hospital
    system's name/date of birth, or keep ours. Taking the HIS's values is a patient edit."""
    current = Reconciliation.objects.select_for_update().get(pk=reconciliation.pk)
    if not (can_edit_patients(by) or (by.has_role(Role.ADMINISTRATOR) and not take_his)):
        raise PermissionDenied(_("Only a clinician may change the patient's record."))
    if current.status != ReconciliationStatus.OPEN:
        raise ValidationError(_("This reconciliation was already resolved."))
    if take_his:
        patient = Patient.objects.get(pk=current.patient_id)
        changes = {}
        for name, values in current.differences.items():
            value = values["his"]
            if name == "date_of_birth":
                value = datetime.strptime(value, "%Y-%m-%d").date()
            if name != "mrn":
                changes[name] = value
        patient_services.patient_update(
            by=by,
            patient=patient,
            expected_version=patient.version,
            reason=note.strip() or system_text.english(system_text.text("interfaces.reconciled")),
            **changes,
        )
    current.status = ReconciliationStatus.ACCEPTED if take_his else ReconciliationStatus.KEPT
    current.resolved_by = by
    current.resolved_at = timezone.now()
    current.note = note.strip()
    current._history_user = by
    current.full_clean()
    current.save()
    return current
