from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.permissions import (
    can_edit_patients,
    can_read_patients,
    can_transfer_patient,
    require,
)

from . import rules, selectors, services
from .forms import CourseOpenForm, PatientForm, PatientSearchForm, StageChangeForm, TransferForm

PAGE_SIZE = 50


def patient_list(request):
    require(can_read_patients(request.user))
    form = PatientSearchForm(request.GET or None)
    patients = selectors.patients_visible_to(request.user)
    order = selectors.NAME_ORDER
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            patients = selectors.patients_search_page(patients, q)
            order = selectors.MATCHES_BY_NAME
        if form.cleaned_data["stage"]:
            patients = selectors.patients_in_stage(patients, form.cleaned_data["stage"])
        if form.cleaned_data["ward"]:
            patients = patients.filter(ward=form.cleaned_data["ward"])
    page = Paginator(patients.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    current = selectors.current_courses({p.pk for p in page.object_list})
    rows = [(p, current.get(p.pk)) for p in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "patients/patient_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_edit": can_edit_patients(request.user),
        },
    )


def patient_detail(request, pk):
    patient = selectors.patient_for_user(request.user, pk)
    courses = list(selectors.patient_courses_with_timeline(patient))
    course_blocks = [
        {
            "course": course,
            "timeline": selectors.course_timeline(course),
            "stage_form": StageChangeForm(course=course, user=request.user)
            if course.is_open
            else None,
        }
        for course in courses
    ]
    can_edit = can_edit_patients(request.user)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "course_blocks": course_blocks,
            "can_edit": can_edit,
            "open_form": CourseOpenForm(
                patient=patient, initial={"referred_on": timezone.localdate()}
            )
            if can_edit and not any(c.is_open for c in courses)
            else None,
            "bsa": selectors.bsa_summary(patient),
            "age_years": rules.age_in_years(
                date_of_birth=patient.date_of_birth, on=timezone.localdate()
            )
            if patient.date_of_birth and patient.date_of_birth <= timezone.localdate()
            else None,
            "ward_timeline": selectors.patient_ward_timeline(patient),
            "can_transfer": can_transfer_patient(request.user, patient),
        },
    )


def patient_create(request):
    require(can_edit_patients(request.user))
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(by=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Patient %(name)s registered.") % {"name": patient})
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


def patient_edit(request, pk):
    patient = selectors.patient_for_user(request.user, pk)
    require(can_edit_patients(request.user))
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or 0
        try:
            services.patient_update(
                by=request.user,
                patient=patient,
                expected_version=expected,
                reason=form.cleaned_data.get("reason", ""),
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Patient record saved."))
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@require_POST
def course_open(request, pk):
    patient = selectors.patient_for_user(request.user, pk)
    require(can_edit_patients(request.user))
    form = CourseOpenForm(request.POST, patient=patient)
    if form.is_valid():
        try:
            services.course_open(
                by=request.user,
                patient=patient,
                product=form.cleaned_data["product"],
                referred_on=form.cleaned_data["referred_on"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Treatment course opened."))
    else:
        messages.error(
            request,
            _("The course was not opened: %(errors)s")
            % {"errors": " ".join(e for errs in form.errors.values() for e in errs)},
        )
    return redirect("patients:detail", pk=patient.pk)


@require_POST
def course_change_stage(request, pk):
    course = selectors.course_for_user(request.user, pk)
    require(request.user.has_role(*rules.ROLES_THAT_MOVE_COURSES))
    form = StageChangeForm(request.POST, course=course, user=request.user)
    if not form.is_valid():
        messages.error(
            request,
            _("The stage was not changed: %(errors)s")
            % {"errors": " ".join(e for errs in form.errors.values() for e in errs)},
        )
        return redirect("patients:detail", pk=course.patient_id)
    try:
        event = services.course_change_stage(
            by=request.user,
            course=course,
            to_stage=form.cleaned_data["to_stage"],
            reason=form.cleaned_data["reason"],
            effective_date=form.cleaned_data["effective_date"],
        )
    except ValidationError as error:
        messages.error(
            request,
            _("The stage was not changed: %(errors)s") % {"errors": " ".join(error.messages)},
        )
    else:
        messages.success(
            request,
            _("Course moved to %(stage)s.") % {"stage": event.get_to_stage_display()},
        )
    return redirect("patients:detail", pk=course.patient_id)


def patient_transfer(request, pk):
    """Move a patient to another ward (a clinician, or a nurse of the sending ward)."""
    patient = selectors.patient_for_user(request.user, pk)
    require(can_transfer_patient(request.user, patient))
    form = TransferForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.patient_transfer(
                by=request.user,
                patient=patient,
                to_ward=form.cleaned_data["to_ward"],
                reason=form.cleaned_data["reason"],
                transferred_at=form.cleaned_data["transferred_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(patient)s transferred to %(ward)s; its nurses have been told.")
                % {"patient": patient, "ward": transfer.to_ward},
            )
            if selectors.user_can_see_patient(request.user, patient):
                return redirect("patients:detail", pk=patient.pk)
            # A nurse who sent the patient off her ward no longer sees the chart.
            return redirect("patients:list")
    return render(request, "patients/transfer_form.html", {"form": form, "patient": patient})
