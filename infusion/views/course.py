"""The course overview and the lymphodepletion plan pages, Day 0 and bridging."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.next_steps import after_dose, back_to_today_url
from core.permissions import can_read_patients, require
from patients.days import day_label

from .. import selectors, services, text
from ..forms import (
    AdministrationForm,
    BridgingForm,
    BridgingUpdateForm,
    Day0CorrectionForm,
    Day0Form,
    DoseDecisionForm,
    PlanCreateForm,
    PlanRecalculateForm,
    VerifyForm,
)
from .common import _course, _day_label, _dose_rows, _roles


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
            "back_to_today": back_to_today_url(request, course.patient),
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
                "day": day_label(dose.day_number),
            },
            "intro": dose.get_calculation_display(),
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
            return redirect(after_dose(reverse("infusion:plan", args=[course.pk])))
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
                "day": day_label(dose.day_number),
                "date": dose.planned_on.isoformat(),
            },
            "intro": dose.get_calculation_display(),
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


def day0_correct(request, pk):
    """Correct a recorded Day 0 that was entered wrong, signed with the password."""
    course = _course(request, pk)
    require(services.is_clinician(request.user))
    form = Day0CorrectionForm(request.POST or None, initial={"new_day0_date": course.day0_date})
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.day0_correct(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Day 0 corrected from %(old)s to %(new)s and signed; the follow-up visits "
                    "not yet done moved."
                )
                % {
                    "old": correction.old_day0_date.isoformat(),
                    "new": correction.new_day0_date.isoformat(),
                },
            )
            return redirect("infusion:course", pk=course.pk)
    return render(
        request,
        "infusion/form.html",
        {
            "course": course,
            "form": form,
            "title": _("Correct Day 0"),
            "intro": _(
                "Only for a Day 0 recorded wrong. The infusion record moves to the corrected "
                "date, the follow-up visits not yet done move, and monitoring counts its days "
                "from the new Day 0. You sign the correction with your password."
            ),
            "submit": _("Correct and sign"),
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
