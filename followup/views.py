from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.permissions import can_read_patients, require
from core.roles import Role
from patients.models import Stage
from patients.selectors import course_for_user

from . import schedule, selectors, services
from .forms import (
    DischargeForm,
    InfectionFormSet,
    LateAdverseEventFormSet,
    SubsequentTherapyFormSet,
    VisitForm,
    filled_rows,
)
from .models import VitalStatus
from .services import EVENT_FIELDS, INFECTION_FIELDS, THERAPY_FIELDS

CHILD_LABELS = {
    "infections": gettext_lazy("Infections"),
    "adverse_events": gettext_lazy("Late adverse events"),
    "therapies": gettext_lazy("Subsequent therapies"),
}


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            if field in form.fields:
                form.add_error(field, errors)
            else:
                label = CHILD_LABELS.get(field)
                for message in ValidationError(errors).messages:
                    form.add_error(None, f"{label} {message}" if label else message)
    else:
        form.add_error(None, error)


def _course(request, pk):
    # Administrators (no patient access) are refused outright; others get 404 for a
    # course they may not see, exactly like one that does not exist.
    require(can_read_patients(request.user))
    return course_for_user(request.user, pk)


def worklists(request):
    require(can_read_patients(request.user))
    today = timezone.localdate()
    overdue = [
        (visit, schedule.days_overdue(window_end=visit.window_end, today=today))
        for visit in selectors.visits_overdue(request.user, today)
    ]
    not_seen = [
        (course, (today - course.last_seen).days)
        for course in selectors.courses_not_seen(request.user, today)
    ]
    return render(
        request,
        "followup/worklists.html",
        {
            "today": today,
            "due": list(selectors.visits_due_this_week(request.user, today)),
            "overdue": overdue,
            "not_seen": not_seen,
            "manufacturer_reports": selectors.manufacturer_reports_due(request.user),
            "is_clinician": request.user.has_role(Role.CLINICIAN),
        },
    )


@require_POST
def manufacturer_report(request, pk):
    """A clinician records that a late event was reported to the manufacturer."""
    require(can_read_patients(request.user))
    event = selectors.manufacturer_report_for_user(request.user, pk)
    try:
        services.manufacturer_report_record(by=request.user, event=event)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Report to the manufacturer recorded: %(term)s.") % {"term": event.term}
        )
    return redirect("followup:worklists")


def course_calendar(request, pk):
    course = _course(request, pk)
    today = timezone.localdate()
    visits = list(selectors.course_visits(course))
    death = next((v for v in visits if v.vital_status == VitalStatus.DEAD), None)
    outcome = selectors.course_outcome(course, visits)
    return render(
        request,
        "followup/course_calendar.html",
        {
            "course": course,
            "patient": course.patient,
            "today": today,
            "rows": selectors.course_calendar(course, today),
            "visits": visits,
            "outcome": outcome,
            "best_response_label": selectors.response_label(
                outcome.best_response if outcome else None
            ),
            "discharge": selectors.discharge_of(course),
            "death": death,
            "can_record": selectors.can_record_followup(request.user),
            "can_close_course": death is not None
            and course.is_open
            and request.user.has_role(Role.CLINICIAN),
            "out_of_date": selectors.schedule_out_of_date(course),
            "can_end_follow_up": course.stage == Stage.FOLLOW_UP
            and request.user.has_role(Role.CLINICIAN),
        },
    )


@require_POST
def schedule_realign(request, pk):
    course = _course(request, pk)
    require(selectors.can_record_followup(request.user))
    try:
        result = services.schedule_realign(by=request.user, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Schedule up to date: %(created)d visits added, %(moved)d moved.") % result,
        )
    return redirect("followup:course", pk=course.pk)


@require_POST
def close_as_deceased(request, pk):
    course = _course(request, pk)
    require(request.user.has_role(Role.CLINICIAN))
    try:
        services.course_close_as_deceased(by=request.user, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The course was closed as deceased."))
    return redirect("followup:course", pk=course.pk)


@require_POST
def end_follow_up(request, pk):
    """A clinician ends follow-up at this centre: the course is completed."""
    course = _course(request, pk)
    require(request.user.has_role(Role.CLINICIAN))
    try:
        services.follow_up_end(
            by=request.user, course=course, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Follow-up ended; the course is completed."))
    return redirect("followup:course", pk=course.pk)


def discharge_edit(request, pk):
    course = _course(request, pk)
    require(selectors.can_record_followup(request.user))
    existing = selectors.discharge_of(course)
    initial = {"discharge_date": timezone.localdate()} if existing is None else None
    form = DischargeForm(request.POST or None, instance=existing, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.discharge_record(
                by=request.user,
                course=course,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Discharge recorded."))
            return redirect("followup:course", pk=course.pk)
    restrictions = (
        selectors.restrictions_for(product=course.product, day0=course.day0_date)
        if course.day0_date
        else None
    )
    return render(
        request,
        "followup/discharge_form.html",
        {"form": form, "course": course, "restrictions": restrictions},
    )


def wallet_card(request, pk):
    course = _course(request, pk)
    return render(
        request,
        "followup/wallet_card.html",
        {"course": course, "patient": course.patient, "discharge": selectors.discharge_of(course)},
    )


def visit_create(request, pk):
    course = _course(request, pk)
    require(selectors.can_record_followup(request.user))
    data = request.POST or None
    initial = {"visit_date": timezone.localdate()}
    if request.GET.get("scheduled"):
        initial["scheduled_visit"] = request.GET["scheduled"]
    else:
        # Today's visit most likely is the planned one whose window is open.
        initial["scheduled_visit"] = selectors.matching_scheduled_visit(
            course, initial["visit_date"]
        )
    form = VisitForm(data, course=course, initial=initial)
    infections = InfectionFormSet(data, prefix="infections")
    events = LateAdverseEventFormSet(data, prefix="events")
    therapies = SubsequentTherapyFormSet(data, prefix="therapies")
    formsets = (infections, events, therapies)
    if request.method == "POST":
        valid = form.is_valid() & all([fs.is_valid() for fs in formsets])
        if valid:
            try:
                visit = services.visit_record(
                    by=request.user,
                    course=course,
                    scheduled_visit=form.cleaned_data["scheduled_visit"],
                    infections=filled_rows(infections, INFECTION_FIELDS),
                    adverse_events=filled_rows(events, EVENT_FIELDS),
                    therapies=filled_rows(therapies, THERAPY_FIELDS),
                    **form.service_fields(),
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Visit recorded: %(label)s.") % {"label": visit.label})
                return redirect("followup:course", pk=course.pk)
    return render(
        request,
        "followup/visit_form.html",
        {
            "form": form,
            "course": course,
            "infections": infections,
            "events": events,
            "therapies": therapies,
            "has_errors": request.method == "POST",
        },
    )


def visit_detail(request, pk):
    require(can_read_patients(request.user))
    visit = selectors.visit_for_user(request.user, pk)
    return render(request, "followup/visit_detail.html", {"visit": visit, "course": visit.course})
