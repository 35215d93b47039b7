from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.models import Ward
from core.next_steps import after_dose, back_to_today_url
from core.permissions import (
    can_read_patients,
    can_review_missed_assessments,
    reads_whole_programme,
    require,
    works_at_bedside,
)
from core.roles import Role
from patients import rules as patient_rules
from patients.days import day_label
from patients.selectors import course_for_user

from . import ending_service, schedule, selectors, services, today_cache
from .forms import AcknowledgeForm, AssessmentForm, EndMonitoringForm, InterventionForm
from .models import Escalation, MonitoringTask
from .wording import vitals_findings_text


def _bedside(user) -> bool:
    return works_at_bedside(user)


def today(request):
    """The nurses' task list for a ward and shift. The rows come from the cache while no
    write has touched the ward (today_cache.py): the minute-by-minute refresh costs about
    what any page costs."""
    user = request.user
    require(can_read_patients(user))
    nurse_only = user.has_role(Role.NURSE) and not user.has_role(Role.CLINICIAN)
    # The wards, read once: the ward chooser and the check of the chosen ward.
    wards = list(user.wards.all() if nurse_only else Ward.objects.filter(active=True))
    ward = None
    code = request.GET.get("ward")
    if code:
        ward = next((w for w in wards if w.code == code), None)
        if ward is None:
            raise Http404
    if ward is not None:
        ward_ids = [ward.pk]
    elif reads_whole_programme(user):
        ward_ids = None
    elif nurse_only:
        ward_ids = [w.pk for w in wards]
    else:
        ward_ids = list(user.wards.values_list("pk", flat=True))
    can_assess = _bedside(user)
    now = timezone.localtime()
    context = {
        "rows_html": today_cache.rows_html(
            user,
            ward_ids=ward_ids,
            can_assess=can_assess,
            build=lambda: selectors.today_list(user, ward=ward, now=now),
        ),
        "shift": schedule.shift_at(now),
        "wards": wards,
        "ward": ward,
        "now": now,
        "can_assess": can_assess,
    }
    if request.headers.get("HX-Request"):
        # The rows need nothing of the request's context processors (unread messages...).
        return HttpResponse(render_to_string("monitoring/_today_rows.html", context))
    return render(request, "monitoring/today.html", context)


def course_page(request, pk):
    course = course_for_user(request.user, pk)
    assessments = course.assessments.select_related("recorded_by").order_by("-assessed_at")[:50]
    return render(
        request,
        "monitoring/course.html",
        {
            "course": course,
            "assessments": assessments,
            "interventions": course.interventions.select_related("recorded_by").order_by(
                "-given_at"
            ),
            "escalations": course.escalations.select_related("acknowledged_by").order_by(
                "-created_at"
            )[:20],
            "lab_results": course.lab_results.select_related("recorded_by")[:60],
            "day_label": _day_label(course),
            "can_assess": _bedside(request.user),
            "is_clinician": request.user.has_role(Role.CLINICIAN),
            "back_to_today": back_to_today_url(request, course.patient),
            "ack_form": AcknowledgeForm(),
            "advice": selectors.advice_for(course) if course.stage == "monitoring" else [],
            "decision": selectors.end_decision(course) if course.stage == "monitoring" else None,
            "decision_text": _decision_text(course),
            "missed_tasks": course.monitoring_tasks.filter(missed_at__isnull=False).order_by(
                "-due_at"
            )[:20],
            "monitoring_end": getattr(course, "monitoring_end", None),
        },
    )


def _decision_text(course) -> str:
    if course.stage != "monitoring" or not course.day0_date:
        return ""
    return ending_service.decision_text(selectors.end_decision(course))


def end_monitoring(request, pk):
    """A clinician ends monitoring, signed, with a reason (issue 16 item 3)."""
    course = course_for_user(request.user, pk)
    require(request.user.has_role(Role.CLINICIAN))
    form = EndMonitoringForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ending_service.monitoring_end(
                by=request.user,
                course=course,
                reason=form.cleaned_data["reason"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Monitoring ended; the course is in follow-up."))
            return redirect("followup:course", pk=course.pk)
    decision = selectors.end_decision(course) if course.stage == "monitoring" else None
    return render(
        request,
        "monitoring/end.html",
        {
            "course": course,
            "form": form,
            "decision": decision,
            "decision_text": ending_service.decision_text(decision) if decision else "",
            "day_label": _day_label(course),
        },
    )


def missed_report(request):
    """Assessments closed as missed, newest first: clinicians and auditors."""
    require(can_review_missed_assessments(request.user))
    tasks = selectors.missed_tasks_for(request.user)[:500]
    return render(request, "monitoring/missed.html", {"tasks": tasks})


def _day_label(course) -> str:
    if not course.day0_date:
        return ""
    n = patient_rules.day_number(day0=course.day0_date, on=timezone.localdate())
    return day_label(n)


def chart_data(request, pk):
    course = course_for_user(request.user, pk)
    return JsonResponse(selectors.course_chart_data(course))


def assess(request, pk):
    course = course_for_user(request.user, pk)
    require(_bedside(request.user))
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                by=request.user,
                course=course,
                assessed_at=form.cleaned_data["assessed_at"],
                **form.service_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("Assessment saved: CRS grade %(crs)s.") % {"crs": assessment.crs_grade}
            if assessment.icans_grade is not None:
                message += " " + _("ICANS grade %(icans)s.") % {"icans": assessment.icans_grade}
            if hasattr(assessment, "escalation"):
                messages.warning(
                    request,
                    _("Escalated to %(who)s: %(reason)s")
                    % {
                        "who": course.patient.attending_clinician,
                        "reason": assessment.escalation.reason_shown,
                    },
                )
            messages.success(request, message)
            return redirect("monitoring:course", pk=course.pk)
    return render(
        request,
        "monitoring/assess.html",
        {
            "course": course,
            "form": form,
            "day_label": _day_label(course),
            "preview": _preview(course, request.POST) if request.method == "POST" else None,
        },
    )


def _preview(course, data) -> dict:
    """Grades for whatever has been typed so far, or why they cannot be given yet."""
    form = AssessmentForm(data)
    form.is_valid()
    values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    if "temperature_c" not in values:
        return {"ready": False, "message": _("Enter the temperature to grade CRS.")}
    when = form.cleaned_data.get("assessed_at") or timezone.now()
    on = timezone.localtime(when).date()
    if on < course.patient.date_of_birth:
        return {"ready": False, "message": _("The assessment time is before the birth date.")}
    age = patient_rules.age_in_years(date_of_birth=course.patient.date_of_birth, on=on)
    try:
        grades = services.grade_values(age_years=age, values=values)
    except ValidationError as error:
        return {"ready": False, "message": " ".join(error.messages)}
    return {
        "ready": True,
        "grades": grades,
        "age": age,
        "vitals_note": vitals_findings_text(grades.vitals_findings),
        "advice": selectors.advice_for(
            course,
            crs_grade=grades.crs.grade,
            icans_grade=grades.icans.grade if grades.icans else None,
        ),
    }


@require_POST
def grade_preview(request, pk):
    """htmx: grades live as the nurse types."""
    course = course_for_user(request.user, pk)
    require(_bedside(request.user))
    return render(
        request, "monitoring/_grade_preview.html", {"preview": _preview(course, request.POST)}
    )


def intervention_new(request, pk):
    course = course_for_user(request.user, pk)
    require(_bedside(request.user))
    form = InterventionForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_record(by=request.user, course=course, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Intervention recorded."))
            return redirect(after_dose(reverse("monitoring:course", args=[course.pk])))
    tocilizumab = services.tocilizumab_recommended_dose(course)
    return render(
        request,
        "monitoring/intervention_form.html",
        {
            "course": course,
            "form": form,
            "tocilizumab": tocilizumab,
            "day_label": _day_label(course),
        },
    )


@require_POST
def task_take(request, pk):
    require(_bedside(request.user))
    try:
        task = MonitoringTask.objects.select_related("course__patient").get(pk=pk)
    except MonitoringTask.DoesNotExist:
        raise Http404 from None
    course_for_user(request.user, task.course_id)  # 404 unless the patient is visible
    try:
        services.task_take(by=request.user, task=task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have taken this assessment."))
    return redirect("monitoring:assess", pk=task.course_id)


def escalations(request):
    require(can_read_patients(request.user))
    escalations = list(selectors.open_escalations_for(request.user))
    # Advice beside the grade that raised it (issue 16 item 4), one set per patient, read for
    # all the patients at once: the page's queries do not grow with the escalations.
    advice_by_course = selectors.advice_for_courses(e.course for e in escalations)
    for escalation in escalations:
        escalation.advice = advice_by_course[escalation.course_id]
    return render(
        request,
        "monitoring/escalations.html",
        {
            "escalations": escalations,
            "is_clinician": request.user.has_role(Role.CLINICIAN),
            "ack_form": AcknowledgeForm(),
        },
    )


@require_POST
def escalation_acknowledge(request, pk):
    require(request.user.has_role(Role.CLINICIAN))
    try:
        escalation = Escalation.objects.select_related("course").get(pk=pk)
    except Escalation.DoesNotExist:
        raise Http404 from None
    course_for_user(request.user, escalation.course_id)
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        services.escalation_acknowledge(
            by=request.user, escalation=escalation, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Escalation acknowledged."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "monitoring:escalations"
    return redirect(next_url)
