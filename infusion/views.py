from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.permissions import can_read_patients, require
from patients import rules as patient_rules
from patients.selectors import course_for_user

from . import selectors, services, text
from .forms import (
    AdministrationForm,
    BagScanForm,
    BridgingForm,
    BridgingUpdateForm,
    Day0Form,
    DoseDecisionForm,
    InfusionForm,
    OverrideForm,
    PlanCreateForm,
    PlanRecalculateForm,
    PreInfusionCheckForm,
    StockForm,
    VerifyForm,
)


def _course(request, pk):
    """403 for roles that never read charts (administrators), 404 for a hidden patient."""
    require(can_read_patients(request.user))
    return course_for_user(request.user, pk)


def _day_label(course, on=None) -> str:
    day0 = course.day0_reference
    if not day0:
        return ""
    return patient_rules.format_day(
        patient_rules.day_number(day0=day0, on=on or timezone.localdate())
    )


def _roles(user) -> dict:
    return {
        "is_clinician": services.is_clinician(user),
        "is_pharmacist": services.is_pharmacist(user),
        "is_nurse": services.is_nurse(user),
        "can_verify_bag": services.can_verify_bag(user),
    }


def _dose_rows(course, doses) -> list[dict]:
    day0 = course.day0_reference
    rows = []
    for dose in doses:
        given = getattr(dose, "administration", None)
        rows.append(
            {
                "dose": dose,
                "day_label": patient_rules.format_day(dose.day_number),
                "actual_day": patient_rules.format_day(
                    patient_rules.day_number(day0=day0, on=dose.planned_on)
                )
                if day0
                else "",
                "given": given,
                "drug": text.drug_label(dose.drug),
            }
        )
    return rows


def _gate_rows(result) -> list[dict]:
    return [
        {"item": i, "label": text.item_label(i.code), "message": text.item_message(i)}
        for i in result.items
    ]


# --- Worklists -----------------------------------------------------------------------------


def pharmacy(request):
    """The pharmacist's list: plans waiting for verification."""
    require(can_read_patients(request.user))
    return render(
        request,
        "infusion/pharmacy.html",
        {"plans": selectors.plans_to_verify(request.user), **_roles(request.user)},
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


# --- Course overview and plan ---------------------------------------------------------------


def course_page(request, pk):
    course = _course(request, pk)
    overview = selectors.course_overview(course)
    keys = selectors.regimen_keys_for(course)
    return render(
        request,
        "infusion/course.html",
        {
            "course": course,
            "day_label": _day_label(course),
            "plan_form": PlanCreateForm(keys=keys, initial={"regimen_key": keys[:1] and keys[0]}),
            "regimen_keys": keys,
            "screening_crcl": selectors.screening_crcl(course),
            "day0_form": Day0Form(initial={"new_date": course.planned_day0_date}),
            **overview,
            **_roles(request.user),
        },
    )


def plan_page(request, pk):
    course = _course(request, pk)
    overview = selectors.course_overview(course)
    plan = overview["plan"]
    if plan is None:
        raise Http404
    return render(
        request,
        "infusion/plan.html",
        {
            "course": course,
            "day_label": _day_label(course),
            "rows": _dose_rows(course, overview["doses"]),
            "verify_form": VerifyForm(initial={"version": plan.version}),
            "undecided": any(not d.decided for d in overview["doses"]),
            "printed_at": timezone.localtime(),
            **overview,
            **_roles(request.user),
        },
    )


@require_POST
def plan_new(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    form = PlanCreateForm(request.POST, keys=selectors.regimen_keys_for(course))
    if form.is_valid():
        try:
            services.plan_create(
                by=request.user,
                course=course,
                regimen_key=form.cleaned_data["regimen_key"],
                **form.renal_fields(),
            )
        except ValidationError as error:
            messages.error(
                request, _("The plan was not made: %(e)s") % {"e": " ".join(error.messages)}
            )
            return redirect("infusion:course", pk=course.pk)
        messages.success(request, _("Lymphodepletion plan made. A pharmacist must verify it."))
        return redirect("infusion:plan", pk=course.pk)
    messages.error(request, _("The plan was not made: %(e)s") % {"e": form.errors.as_text()})
    return redirect("infusion:course", pk=course.pk)


@require_POST
def plan_verify(request, pk):
    course = _course(request, pk)
    require(services.is_pharmacist(request.user))
    plan = selectors.plan_for(course)
    if plan is None:
        raise Http404
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.plan_verify(
                by=request.user,
                plan=plan,
                password=form.cleaned_data["password"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            messages.error(request, _("Not verified: %(e)s") % {"e": " ".join(error.messages)})
        else:
            messages.success(request, _("Plan verified and signed."))
    else:
        messages.error(request, _("Not verified: enter your password."))
    return redirect("infusion:plan", pk=course.pk)


def plan_recalculate(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    plan = selectors.plan_for(course)
    if plan is None:
        raise Http404
    form = PlanRecalculateForm(
        request.POST or None,
        initial={
            "creatinine": plan.creatinine_umol_l,
            "creatinine_drawn_on": plan.creatinine_drawn_on,
            "version": plan.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_recalculate(
                by=request.user,
                plan=plan,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                **form.renal_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(request, _("Plan recalculated. The pharmacist's signature is void."))
            return redirect("infusion:plan", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Recalculate the plan"),
            "intro": _(
                "Doses not given yet are recomputed from today's weight (%(w)s kg) and height "
                "(%(h)s cm). The pharmacist's signature will be void."
            )
            % {"w": course.patient.weight_kg, "h": course.patient.height_cm},
            "submit": _("Recalculate"),
            "back": "infusion:plan",
        },
    )


def dose_decide(request, pk):
    require(can_read_patients(request.user))
    dose = selectors.dose_for_user(request.user, pk)
    course = dose.plan.course
    require(services.is_clinician(request.user))
    form = DoseDecisionForm(request.POST or None, initial={"version": dose.plan.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.dose_decide(
                by=request.user,
                dose=dose,
                dose_mg=form.cleaned_data["dose_mg"] if form.cleaned_data["give"] else None,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("infusion:plan", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Decide: %(drug)s %(day)s")
            % {
                "drug": text.drug_label(dose.drug),
                "day": patient_rules.format_day(dose.day_number),
            },
            "intro": dose.calculation,
            "submit": _("Record decision"),
            "back": "infusion:plan",
        },
    )


def administer(request, pk):
    require(can_read_patients(request.user))
    dose = selectors.dose_for_user(request.user, pk)
    course = dose.plan.course
    require(services.is_nurse(request.user))
    form = AdministrationForm(request.POST or None, initial={"dose_given_mg": dose.dose_mg})
    if request.method == "POST" and form.is_valid():
        try:
            services.administration_record(by=request.user, dose=dose, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(drug)s %(mg)s mg recorded.")
                % {"drug": text.drug_label(dose.drug), "mg": form.cleaned_data["dose_given_mg"]},
            )
            return redirect("infusion:plan", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Give %(drug)s %(mg)s mg (%(day)s, %(date)s)")
            % {
                "drug": text.drug_label(dose.drug),
                "mg": dose.dose_mg,
                "day": patient_rules.format_day(dose.day_number),
                "date": dose.planned_on.isoformat(),
            },
            "intro": dose.calculation,
            "submit": _("Record administration"),
            "back": "infusion:plan",
        },
    )


@require_POST
def lymphodepletion_start(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    try:
        services.lymphodepletion_start(by=request.user, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Course moved to lymphodepletion."))
    return redirect("infusion:plan", pk=course.pk)


def day0(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    form = Day0Form(request.POST or None, initial={"new_date": course.planned_day0_date})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.day0_change(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Day 0 planned for %(d)s; %(n)s dose(s) moved.")
                % {"d": change.new_date.isoformat(), "n": change.doses_moved},
            )
            return redirect("infusion:course", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Plan Day 0"),
            "intro": _(
                "Doses not given yet keep their day numbers and move with Day 0; a verified "
                "plan must be verified again."
            ),
            "submit": _("Save Day 0"),
            "back": "infusion:course",
        },
    )


def bridging_new(request, pk):
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    form = BridgingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bridging_record(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Bridging therapy recorded."))
            return redirect("infusion:course", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Bridging therapy"),
            "submit": _("Save"),
            "back": "infusion:course",
        },
    )


def bridging_edit(request, pk):
    require(can_read_patients(request.user))
    bridging = selectors.bridging_for_user(request.user, pk)
    course = bridging.course
    require(services.is_clinician(request.user))
    form = BridgingUpdateForm(request.POST or None, instance=bridging)
    if request.method == "POST" and form.is_valid():
        try:
            services.bridging_update(
                by=request.user,
                bridging=bridging,
                ended_on=form.cleaned_data["ended_on"],
                response=form.cleaned_data["response"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Bridging therapy updated."))
            return redirect("infusion:course", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Bridging: %(r)s") % {"r": bridging.regimen},
            "submit": _("Save"),
            "back": "infusion:course",
        },
    )


# --- Gate and infusion ----------------------------------------------------------------------


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
            "scan_form": BagScanForm(),
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


@require_POST
def bag_scan(request, pk):
    course = _course(request, pk)
    require(services.can_verify_bag(request.user))
    form = BagScanForm(request.POST)
    form.is_valid()
    try:
        verification = services.bedside_verify(
            by=request.user,
            course=course,
            scanned_text=form.cleaned_data.get("scanned_text", ""),
            password=form.cleaned_data.get("password", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if verification.matched:
            messages.success(request, _("Bag matches the patient's COI ID."))
        else:
            messages.error(
                request,
                _("STOP: the bag does not match this patient (%(r)s). Do not infuse.")
                % {"r": verification.get_result_display()},
            )
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
