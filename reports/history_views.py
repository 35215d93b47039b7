"""The chart history pages: one patient's, or one course's, changes as people read them."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from core.permissions import can_read_patients, require
from patients.selectors import course_for_user, patient_for_user

from . import services
from .access import can_export_identifiable
from .audit import history_models
from .record_history import chart_history, in_charts
from .views import csv_response
from .writers import csv_lines

PAGE_SIZE = 100
CSV_HEADERS = [
    "changed_at",
    "changed_by",
    "change_type",
    "record_type",
    "record_id",
    "field",
    "old_value",
    "new_value",
    "reason",
]


def record_type_choices() -> list[tuple[str, str]]:
    found = [
        (m.instance_type._meta.label_lower, str(m.instance_type._meta.verbose_name).capitalize())
        for m in history_models()
        if in_charts(m.instance_type)
    ]
    return [("", _("All records")), *sorted(found, key=lambda c: c[1])]


class HistoryFilterForm(forms.Form):
    record = forms.ChoiceField(label=_("Record"), required=False)
    user = forms.CharField(label=_("Changed by (user name)"), required=False, max_length=150)
    field = forms.CharField(label=_("Field"), required=False, max_length=100)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = record_type_choices()
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["record"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the range cannot come before its start."))
        return data

    def query(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "record_key": data.get("record") or "",
            "user": (data.get("user") or "").strip(),
            "field_text": (data.get("field") or "").strip(),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


def history_rows_for(request, *, patient_pk=None, course_pk=None):
    """The rows a reader may see, with the form that filtered them and the scope."""
    require(can_read_patients(request.user))
    if course_pk is not None:
        course = course_for_user(request.user, course_pk)
        patient, scope = course.patient, f"course:{course.pk}"
    else:
        course, patient = None, patient_for_user(request.user, patient_pk)
        scope = f"patient:{patient.pk}"
    form = HistoryFilterForm(request.GET or None)
    rows = chart_history(patient, course=course, **form.query())
    return form, rows, patient, course, scope


def _csv(request, rows, scope):
    filters = {k: v for k, v in request.GET.items() if k not in ("format", "purpose")}
    services.chart_history_export_log(
        by=request.user,
        scope=scope,
        filters=filters,
        rows=len(rows),
        purpose=request.GET.get("purpose", ""),
    )
    lines = csv_lines(
        CSV_HEADERS,
        (
            [
                services.cell(r.changed_at),
                r.changed_by,
                r.change_type,
                r.record_key,
                r.record_id,
                r.field,
                r.old,
                r.new,
                r.reason,
            ]
            for r in rows
        ),
    )
    name = scope.replace(":", "-")
    return csv_response(lines, f"history-{name}-{timezone.localdate():%Y%m%d}.csv")


def _page(request, **scope):
    form, rows, patient, course, key = history_rows_for(request, **scope)
    export_error = ""
    if request.GET.get("format") == "csv":
        # An identifiable export: auditor or clinician, with a purpose (reports/export_checks).
        try:
            return _csv(request, rows, key)
        except ValidationError as error:
            export_error = " ".join(error.messages)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "format", "purpose"):
        query.pop(name, None)
    return render(
        request,
        "reports/chart_history.html",
        {
            "form": form,
            "page": page,
            "patient": patient,
            "course": course,
            "query": query.urlencode(),
            "total": len(rows),
            "can_export": can_export_identifiable(request.user),
            "export_error": export_error,
            "filter_fields": [(k, v) for k, v in query.items()],
        },
    )


def patient_history(request, pk):
    return _page(request, patient_pk=pk)


def course_history(request, pk):
    return _page(request, course_pk=pk)
