"""Worklists: the pharmacy's plans, today's doses and the gates of the day."""

from django.shortcuts import render
from django.utils import timezone

from core.permissions import can_read_patients, require

from .. import selectors, text
from .common import _day_label, _dose_rows, _roles


def pharmacy(request):
    """The pharmacist's list: plans waiting for verification, gates waiting for her stock
    check, and the tocilizumab stock of each ward."""
    require(can_read_patients(request.user))
    return render(
        request,
        "infusion/pharmacy.html",
        {
            "plans": selectors.plans_to_verify(request.user),
            "stock_gates": selectors.gates_waiting_for_stock_check(
                request.user, timezone.localdate()
            ),
            "ward_stock": selectors.tocilizumab_stock_by_ward(request.user),
            **_roles(request.user),
        },
    )


def today(request):
    """The nurse's day: lymphodepletion doses and infusions due."""
    require(can_read_patients(request.user))
    on = timezone.localdate()
    doses = selectors.administrations_due(request.user, on)
    return render(
        request,
        "infusion/today.html",
        {
            "on": on,
            "doses": [
                {**row, "course": row["dose"].plan.course} for row in _dose_rows_multi(doses)
            ],
            "infusions": selectors.infusions_due(request.user, on),
            **_roles(request.user),
        },
    )


def _dose_rows_multi(doses):
    for dose in doses:
        yield from _dose_rows(dose.plan.course, [dose])


def gates(request):
    """The clinician's list: courses whose infusion is near, with today's gate."""
    require(can_read_patients(request.user))
    on = timezone.localdate()
    rows = []
    for course in selectors.gate_worklist(request.user, on):
        result = selectors.gate_evaluate(course, on=on)
        rows.append(
            {
                "course": course,
                "day_label": _day_label(course),
                "failing": [text.item_label(i.code) for i in result.failing],
                "review": selectors.current_review(course, on),
            }
        )
    return render(request, "infusion/gates.html", {"rows": rows, **_roles(request.user)})
