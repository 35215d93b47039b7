from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue import selectors as catalogue_selectors
from core.files import protected_file_response
from core.forms import add_service_errors
from core.permissions import can_edit_patients, can_read_patients, require
from core.versioning import StaleEditError
from patients import rules as course_rules
from patients.models import Stage
from patients.selectors import course_for_user

from . import selectors, services, text
from .forms import (
    ConsentForm,
    DecisionForm,
    PriorLineFormSet,
    ScreeningForm,
    WashoutFormSet,
    prior_line_initial,
    washout_initial,
)

STAGE_FILTERS = (course_rules.REFERRED, course_rules.SCREENING, course_rules.ELIGIBLE)


def _reader_course(request, pk):
    require(can_read_patients(request.user))
    return course_for_user(request.user, pk)


def _writer_course(request, pk):
    course = _reader_course(request, pk)
    require(can_edit_patients(request.user))
    return course


def _evaluation_context(assessment) -> dict:
    if assessment is None:
        return {}
    evaluation = selectors.evaluate(assessment)
    result = evaluation.result
    hematotox = evaluation.risks.hematotox
    return {
        "evaluation": evaluation,
        "result_label": text.RESULT_LABELS[result.overall],
        "result_class": text.RESULT_CLASSES[result.overall],
        "criteria": text.criterion_rows(result, evaluation.thresholds),
        "signals": text.signal_rows(evaluation.risks, evaluation.thresholds),
        "hematotox": hematotox,
        "hematotox_rows": text.hematotox_rows(hematotox),
        "washouts": text.washout_rows(evaluation.washouts),
    }


def worklist(request):
    require(can_read_patients(request.user))
    stage = request.GET.get("stage", "")
    stages = (stage,) if stage in STAGE_FILTERS else STAGE_FILTERS
    rows = selectors.worklist(request.user, stages)
    for row in rows:
        if row["result"]:
            row["result_label"] = text.RESULT_LABELS[row["result"]]
            row["result_class"] = text.RESULT_CLASSES[row["result"]]
    labels = dict(Stage.choices)
    return render(
        request,
        "eligibility/worklist.html",
        {
            "rows": rows,
            "stage": stage if stage in STAGE_FILTERS else "",
            "stage_filters": [(s, labels[s]) for s in STAGE_FILTERS],
        },
    )


def course_screening(request, pk):
    """The screening result: criteria table, risk panel, decisions and consent."""
    course = _reader_course(request, pk)
    assessment = selectors.screening_for_course(course)
    can_edit = can_edit_patients(request.user)
    context = {
        "course": course,
        "patient": course.patient,
        "assessment": assessment,
        "decisions": selectors.course_decisions(course),
        "consents": selectors.course_consents(course),
        "indications": catalogue_selectors.active_indications(course.product),
        "label": getattr(course.product, "label", None),
        "restrictions": catalogue_selectors.discharge_restrictions(course.product),
        "can_start": can_edit
        and course.stage in (course_rules.REFERRED, course_rules.SCREENING)
        and assessment is None,
        "can_edit_screening": can_edit
        and assessment is not None
        and course.stage == course_rules.SCREENING,
        "can_decide": can_edit
        and assessment is not None
        and course.stage == course_rules.SCREENING,
        "can_consent": can_edit and course.stage == course_rules.ELIGIBLE,
        "lab_rows": selectors.lab_rows(assessment),
        **_evaluation_context(assessment),
    }
    return render(request, "eligibility/course_screening.html", context)


@require_POST
def screening_start(request, pk):
    course = _writer_course(request, pk)
    try:
        services.screening_start(by=request.user, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("eligibility:course", pk=course.pk)
    messages.success(request, _("Screening started."))
    return redirect("eligibility:screening_edit", pk=course.pk)


def screening_edit(request, pk):
    course = _writer_course(request, pk)
    assessment = selectors.screening_for_course(course)
    if assessment is None:
        messages.error(request, _("Start the screening first."))
        return redirect("eligibility:course", pk=course.pk)
    if course.stage != course_rules.SCREENING:
        messages.error(
            request,
            _("The screening can be changed only while the course is in screening."),
        )
        return redirect("eligibility:course", pk=course.pk)
    data = request.POST if request.method == "POST" else None
    form = ScreeningForm(data, instance=assessment)
    lines = PriorLineFormSet(data, initial=prior_line_initial(assessment), prefix="lines")
    washouts = WashoutFormSet(data, initial=washout_initial(assessment), prefix="washouts")
    if request.method == "POST":
        if form.is_valid() and lines.is_valid() and washouts.is_valid():
            try:
                services.screening_update(
                    by=request.user,
                    assessment=assessment,
                    expected_version=form.cleaned_data["version"],
                    fields=form.service_fields(),
                    prior_lines=lines.rows(),
                    washout_therapies=washouts.rows(),
                )
            except StaleEditError as error:
                form.add_error(None, error)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Screening saved."))
                if "save_and_stay" in request.POST:
                    return redirect("eligibility:screening_edit", pk=course.pk)
                return redirect("eligibility:course", pk=course.pk)
    return render(
        request,
        "eligibility/screening_form.html",
        {
            "course": course,
            "patient": course.patient,
            "form": form,
            "lines": lines,
            "washouts": washouts,
            "has_errors": bool(
                form.errors or lines.total_error_count() or washouts.total_error_count()
            ),
        },
    )


def decision_create(request, pk):
    course = _writer_course(request, pk)
    assessment = selectors.screening_for_course(course)
    if assessment is None or course.stage != course_rules.SCREENING:
        messages.error(request, _("An MDT decision is recorded while the course is in screening."))
        return redirect("eligibility:course", pk=course.pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.decision_record(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("MDT decision recorded: %(decision)s. The course is now %(stage)s.")
                % {
                    "decision": record.get_decision_display(),
                    "stage": course.get_stage_display(),
                },
            )
            return redirect("eligibility:course", pk=course.pk)
    return render(
        request,
        "eligibility/decision_form.html",
        {
            "course": course,
            "patient": course.patient,
            "assessment": assessment,
            "form": form,
            **_evaluation_context(assessment),
        },
    )


def consent_create(request, pk):
    course = _writer_course(request, pk)
    if course.stage != course_rules.ELIGIBLE:
        messages.error(request, _("Consent is recorded once the MDT has approved the course."))
        return redirect("eligibility:course", pk=course.pk)
    form = ConsentForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(by=request.user, course=course, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Informed consent recorded. The course is now Consented."))
            return redirect("eligibility:course", pk=course.pk)
    return render(
        request,
        "eligibility/consent_form.html",
        {
            "course": course,
            "patient": course.patient,
            "form": form,
            "restrictions": catalogue_selectors.discharge_restrictions(course.product),
        },
    )


def consent_document(request, pk):
    """The signed consent, to those who may read the patient (never a public media URL)."""
    require(can_read_patients(request.user))
    consent = selectors.consent_for_user(request.user, pk)
    return protected_file_response(
        request,
        name=consent.document.name,
        download_name=consent.document_name or consent.document.name.rsplit("/", 1)[-1],
    )
