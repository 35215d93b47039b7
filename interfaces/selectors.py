"""Reads of the interface pages."""

from django.db.models import QuerySet

from .models import InboundMessage, MessageStatus, Reconciliation, ReconciliationStatus

NEEDS_ATTENTION = [MessageStatus.FAILED, MessageStatus.REJECTED, MessageStatus.REVIEW]


def messages_filtered(status: str = "") -> QuerySet[InboundMessage]:
    messages = InboundMessage.objects.defer("raw").select_related("replayed_by")
    if status == "attention":
        return messages.filter(status__in=NEEDS_ATTENTION)
    if status in MessageStatus.values:
        return messages.filter(status=status)
    return messages


def open_reconciliations() -> QuerySet[Reconciliation]:
    return Reconciliation.objects.filter(status=ReconciliationStatus.OPEN).select_related(
        "patient", "message"
    )
