from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import units
from core.forms import BootstrapFormMixin, DateTimeInput
from core.models import Ward

from .models import Assessment, Intervention, InterventionKind, Vasopressor

ICE_CHOICES = {
    "ice_orientation": range(0, 5),
    "ice_naming": range(0, 4),
    "ice_commands": range(0, 2),
    "ice_writing": range(0, 2),
    "ice_attention": range(0, 2),
}


def clean_temperature(value):
    """°C to one decimal, or the clinical message (core/units.py): "Temperature 372 °C is not
    possible — did you mean 37.2?"."""
    if value is None:
        return value
    problem = units.check("temperature", value, "c")
    if problem is not None:
        if problem.suggestion is not None:
            raise forms.ValidationError(
                _("Temperature %(value)s °C is not possible — did you mean %(s)s?")
                % {"value": units._plain(problem.value), "s": units._plain(problem.suggestion)}
            )
        raise forms.ValidationError(
            _("Temperature %(value)s °C is not possible (plausible 25–45 °C).")
            % {"value": units._plain(problem.value)}
        )
    return units.to_canonical("temperature", value, "c", places=1)


class AssessmentForm(BootstrapFormMixin, forms.ModelForm):
    """The fast bedside form: vital signs first, the neurological part when it is due."""

    # No digit count: an impossible temperature gets a clinical message (issue 16 item 9).
    temperature_c = forms.DecimalField(label=_("Highest temperature (°C)"))
    vasopressors = forms.MultipleChoiceField(
        label=_("Vasopressors running"),
        choices=Vasopressor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Assessment
        fields = [
            "assessed_at",
            "temperature_c",
            "heart_rate_bpm",
            "systolic_bp_mmhg",
            "diastolic_bp_mmhg",
            "spo2_percent",
            "respiratory_rate_per_min",
            "oxygen_device",
            "oxygen_flow_l_min",
            "hypotension",
            "vasopressors",
            "fever_masked",
            "neuro_assessed",
            "ice_orientation",
            "ice_naming",
            "ice_commands",
            "ice_writing",
            "ice_attention",
            "capd_score",
            "consciousness",
            "seizure",
            "motor_weakness",
            "cerebral_edema",
            "notes",
        ]
        widgets = {
            "assessed_at": DateTimeInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_temperature_c(self):
        return clean_temperature(self.cleaned_data["temperature_c"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessed_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        for name, values in ICE_CHOICES.items():
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "—")] + [(v, str(v)) for v in values],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        self.fields["vasopressors"].widget.attrs["class"] = "form-check-input"
        # Unanswered neurological findings mean "none"; the grading still needs ICE or CAPD.
        for name in ("seizure", "motor_weakness", "cerebral_edema", "oxygen_device"):
            self.fields[name].required = False
        for name in ("hypotension", "fever_masked", "neuro_assessed"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("assessed_at")
        for name in ("seizure", "motor_weakness", "cerebral_edema"):
            data[name] = data.get(name) or "none"
        data["oxygen_device"] = data.get("oxygen_device") or "room_air"
        return data


class InterventionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["kind", "given_at", "drug", "dose_mg", "route", "assessment", "notes"]
        widgets = {"given_at": DateTimeInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    to_ward = forms.ModelChoiceField(
        label=_("Move the patient to ward"),
        queryset=Ward.objects.none(),
        required=False,
        help_text=_(
            "ICU transfer or return: the patient moves there, with her tasks and reminders."
        ),
    )

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_ward"].queryset = Ward.objects.filter(active=True).exclude(
            pk=course.patient.ward_id
        )
        self.fields["given_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        recent = course.assessments.order_by("-assessed_at").values_list("pk", flat=True)[:20]
        self.fields["assessment"].queryset = course.assessments.filter(
            pk__in=list(recent)
        ).order_by("-assessed_at")
        self.fields["assessment"].required = False
        self.fields["kind"].initial = InterventionKind.TOCILIZUMAB
        self.fields["dose_mg"].help_text = _(
            "Tocilizumab: leave empty to give the label dose shown above."
        )

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class AcknowledgeForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Plan / note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EndMonitoringForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for ending monitoring"), widget=forms.Textarea(attrs={"rows": 2})
    )
    password = forms.CharField(
        label=_("Your password (electronic signature)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
