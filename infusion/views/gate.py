"""The pre-infusion gate pages and recording the infusion."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.permissions import require

from .. import selectors, services, text
from ..forms import (
    InfusionForm,
    OverrideForm,
    PreInfusionCheckForm,
    StockForm,
)
from .common import _course, _day_label, _gate_rows, _roles


def gate(request, pk):
    course = _course(request, pk)
    on = timezone.localdate()
    result = selectors.gate_evaluate(course, on=on)
    return render(
        request,
        "infusion/gate.html",
        {
            "course": course,
            "day_label": _day_label(course),
            "on": on,
            "result": result,
            "rows": _gate_rows(result),
            "review": selectors.current_review(course, on),
            "overrides": course.gate_overrides.select_related("overridden_by").order_by(
                "-overridden_at"
            ),
            "check": selectors.bedside_check_on(course, on),
            "stock": selectors.stock_check_valid(course, on),
            "verifiers": selectors.bedside_verifiers(course, on),
            "limits": selectors.vital_limits(),
            "stock_form": StockForm(),
            "receipt": selectors.receipt_for(course),
            **_roles(request.user),
        },
    )


@require_POST
def gate_review(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    try:
        review = services.gate_review(
            by=request.user, course=course, password=request.POST.get("password", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if review.passed:
            messages.success(request, _("Gate passed: the infusion may go ahead today."))
        else:
            messages.error(request, _("Gate not passed: see the items in red."))
    return redirect("infusion:gate", pk=course.pk)


@require_POST
def gate_override(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("An override needs an item and a reason."))
        return redirect("infusion:gate", pk=course.pk)
    try:
        services.gate_override(by=request.user, course=course, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _("Not overridden: %(e)s") % {"e": " ".join(error.messages)})
    else:
        messages.warning(
            request,
            _("Overridden: %(item)s.") % {"item": text.item_label(form.cleaned_data["item"])},
        )
    return redirect("infusion:gate", pk=course.pk)


@require_POST
def stock_confirm(request, pk):
    course = _course(request, pk)
    require(services.is_pharmacist(request.user))
    form = StockForm(request.POST)
    if form.is_valid():
        try:
            services.stock_confirm(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Tocilizumab count recorded."))
    else:
        messages.error(request, _("Enter the number of doses (0 to 20)."))
    return redirect("infusion:gate", pk=course.pk)


def check_new(request, pk):
    course = _course(request, pk)
    require(services.is_nurse(request.user))
    form = PreInfusionCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        checked_at = values.pop("checked_at")
        try:
            services.pre_infusion_check_record(
                by=request.user, course=course, checked_at=checked_at, **values
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Pre-infusion check recorded."))
            return redirect("infusion:gate", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Pre-infusion check"),
            "limits": selectors.vital_limits(),
            "submit": _("Save check"),
            "back": "infusion:gate",
        },
    )


def infuse(request, pk):
    course = _course(request, pk)
    require(services.is_nurse(request.user))
    receipt = selectors.receipt_for(course)
    initial = {"started_at": timezone.localtime().replace(second=0, microsecond=0)}
    if receipt:
        initial |= {"bags_infused": receipt.bag_count, "dose_cells_10e6": receipt.total_cells_10e6}
    form = InfusionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.infusion_record(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Infusion recorded: Day 0 is %(day0)s. Monitoring has started.")
                % {"day0": date_format(timezone.localtime(record.started_at).date())},
            )
            return redirect("infusion:course", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Record the infusion"),
            "intro": _("The gate must have passed today. Day 0 is fixed when you save."),
            "submit": _("Record infusion"),
            "back": "infusion:gate",
        },
    )
