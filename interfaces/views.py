from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.permissions import can_edit_patients, require
from core.roles import Role

from . import selectors, services
from .models import InboundMessage, MessageStatus, Reconciliation


def _administrator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.ADMINISTRATOR)


def message_list(request):
    """Every message the HIS sent, failed ones first to hand: administrators replay them."""
    require(_administrator(request.user))
    status = request.GET.get("status", "attention")
    page = Paginator(selectors.messages_filtered(status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "interfaces/message_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                ("attention", _("Needs attention")),
                ("", _("All")),
                *MessageStatus.choices,
            ],
            "replayable": {MessageStatus.FAILED, MessageStatus.REJECTED},
        },
    )


def message_detail(request, pk):
    require(_administrator(request.user))
    message = get_object_or_404(InboundMessage, pk=pk)
    return render(
        request,
        "interfaces/message_detail.html",
        {
            "message": message,
            "segments": (message.text or bytes(message.raw).decode("latin-1")).split("\r"),
            "replayable": message.status in (MessageStatus.FAILED, MessageStatus.REJECTED),
        },
    )


@require_POST
def message_replay(request, pk):
    require(_administrator(request.user))
    message = get_object_or_404(InboundMessage, pk=pk)
    try:
        message = services.message_replay(by=request.user, message=message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if message.status in (MessageStatus.FAILED, MessageStatus.REJECTED):
            messages.error(
                request, _("Replayed; it failed again: %(why)s") % {"why": message.outcome}
            )
        else:
            messages.success(request, _("Replayed: %(what)s") % {"what": message.outcome})
    return redirect("interfaces:messages")


def _reconciler(user) -> bool:
    return can_edit_patients(user) or _administrator(user)


def reconciliation_list(request):
    """Identity disagreements between the HIS and our records, for a person to decide."""
    require(_reconciler(request.user))
    return render(
        request,
        "interfaces/reconciliation_list.html",
        {
            "reconciliations": selectors.open_reconciliations(),
            "can_take_his": can_edit_patients(request.user),
        },
    )


@require_POST
def reconciliation_resolve(request, pk):
    require(_reconciler(request.user))
    reconciliation = get_object_or_404(Reconciliation, pk=pk)
    try:
        services.reconciliation_resolve(
            by=request.user,
            reconciliation=reconciliation,
            take_his=request.POST.get("decision") == "his",
            note=request.POST.get("note", ""),
        )
    except PermissionDenied:
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Reconciliation recorded."))
    return redirect("interfaces:reconciliations")
