from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin, DateInput

from .models import (
    Discharge,
    FollowUpVisit,
    Infection,
    LateAdverseEvent,
    ScheduledVisit,
    SubsequentTherapy,
    VisitState,
)
from .services import (
    DISCHARGE_FIELDS,
    EVENT_FIELDS,
    INFECTION_FIELDS,
    THERAPY_FIELDS,
    VISIT_FIELDS,
)


class DischargeForm(BootstrapFormMixin, forms.ModelForm):
    """The service re-checks everything and sets the restriction dates from the policy."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Discharge
        fields = list(DISCHARGE_FIELDS)
        widgets = {
            "discharge_date": DateInput(),
            "lodging_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in DISCHARGE_FIELDS}


class VisitForm(BootstrapFormMixin, forms.ModelForm):
    scheduled_visit = forms.ModelChoiceField(
        label=_("Scheduled visit"),
        queryset=ScheduledVisit.objects.none(),
        required=False,
        empty_label=_("Unscheduled visit"),
    )

    class Meta:
        model = FollowUpVisit
        fields = ["scheduled_visit", *VISIT_FIELDS]
        widgets = {
            "visit_date": DateInput(),
            "death_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["scheduled_visit"]
        field.queryset = ScheduledVisit.objects.filter(
            course=course, visit_state=VisitState.PLANNED
        ).order_by("sequence")
        field.label_from_instance = lambda v: (
            f"{v.label} ({v.window_start:%Y-%m-%d} – {v.window_end:%Y-%m-%d})"
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in VISIT_FIELDS}


class InfectionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Infection
        fields = list(INFECTION_FIELDS)
        widgets = {"onset_date": DateInput()}


class LateAdverseEventForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = LateAdverseEvent
        fields = list(EVENT_FIELDS)
        widgets = {"onset_date": DateInput()}


class SubsequentTherapyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = SubsequentTherapy
        fields = list(THERAPY_FIELDS)
        widgets = {"start_date": DateInput()}


InfectionFormSet = forms.formset_factory(InfectionForm, extra=2, max_num=20, validate_max=True)
LateAdverseEventFormSet = forms.formset_factory(
    LateAdverseEventForm, extra=2, max_num=20, validate_max=True
)
SubsequentTherapyFormSet = forms.formset_factory(
    SubsequentTherapyForm, extra=1, max_num=10, validate_max=True
)


def filled_rows(formset, fields) -> list[dict]:
    """The rows the user filled in, as plain dicts for the service."""
    return [
        {name: form.cleaned_data.get(name) for name in fields}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]
