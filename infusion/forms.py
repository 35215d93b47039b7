from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin, DateInput, DateTimeInput

from . import renal, rules
from .models import (
    GATE_ITEM_CHOICES,
    REGIMEN_CHOICES,
    BridgingTherapy,
    InfusionRecord,
    PreInfusionCheck,
)


def _now():
    return timezone.localtime().replace(second=0, microsecond=0)


class BridgingForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = BridgingTherapy
        fields = ["regimen", "started_on", "ended_on", "response", "notes"]
        widgets = {
            "started_on": DateInput(),
            "ended_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class BridgingUpdateForm(BridgingForm):
    class Meta(BridgingForm.Meta):
        fields = ["ended_on", "response", "notes"]


class RenalInputsMixin(forms.Form):
    """The latest serum creatinine (issue 16 item 8): Cockcroft–Gault computes the clearance
    fludarabine is dosed on. A clearance typed instead is recorded as the clinician's."""

    creatinine = forms.DecimalField(
        label=_("Latest serum creatinine"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
    )
    creatinine_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[(renal.UMOL_L, "µmol/L"), (renal.MG_DL, "mg/dL")],
        initial=renal.UMOL_L,
        required=False,
    )
    creatinine_drawn_on = forms.DateField(label=_("Drawn on"), required=False, widget=DateInput())
    creatinine_reentered = forms.BooleanField(
        label=_("I re-entered this creatinine although it is older than the limit"),
        required=False,
    )
    weight_basis = forms.ChoiceField(
        label=_("Weight in Cockcroft–Gault"),
        choices=[
            (renal.ACTUAL, _("Actual body weight")),
            (renal.IDEAL, _("Ideal body weight (Devine)")),
            (renal.ADJUSTED, _("Adjusted body weight")),
        ],
        initial=renal.ACTUAL,
        required=False,
    )
    crcl_ml_min = forms.DecimalField(
        label=_("Or a creatinine clearance you enter (mL/min)"),
        required=False,
        min_value=0,
        max_value=300,
        decimal_places=1,
        help_text=_("Only for a measured clearance; leave empty to compute it."),
    )

    def renal_fields(self) -> dict:
        names = (
            "creatinine",
            "creatinine_unit",
            "creatinine_drawn_on",
            "creatinine_reentered",
            "weight_basis",
            "crcl_ml_min",
        )
        fields = {name: self.cleaned_data[name] for name in names}
        fields["creatinine_unit"] = fields["creatinine_unit"] or renal.UMOL_L
        fields["weight_basis"] = fields["weight_basis"] or renal.ACTUAL
        return fields


class PlanCreateForm(BootstrapFormMixin, RenalInputsMixin):
    regimen_key = forms.ChoiceField(label=_("Regimen"), choices=REGIMEN_CHOICES)
    field_order = ["regimen_key"]

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regimen_key"].choices = [c for c in REGIMEN_CHOICES if c[0] in keys]


class PlanRecalculateForm(BootstrapFormMixin, RenalInputsMixin):
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class VerifyForm(BootstrapFormMixin, forms.Form):
    # Not required here: core.signatures.reauthenticate refuses a missing password, and a
    # session from the hospital's identity provider signs by confirming there instead.
    password = forms.CharField(
        label=_("Your password (electronic signature)"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "required": True}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DoseDecisionForm(BootstrapFormMixin, forms.Form):
    give = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Give this dose")), ("0", _("Leave fludarabine out"))],
        coerce=lambda v: v == "1",
    )
    dose_mg = forms.DecimalField(
        label=_("Dose (mg)"), required=False, min_value=0.1, max_digits=7, decimal_places=1
    )
    reason = forms.CharField(
        label=_("Decision and reason"), widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("give") and data.get("dose_mg") is None:
            self.add_error("dose_mg", _("Enter the dose to give."))
        return data


class AdministrationForm(BootstrapFormMixin, forms.Form):
    given_at = forms.DateTimeField(label=_("Given at"), widget=DateTimeInput(), initial=_now)
    dose_given_mg = forms.DecimalField(
        label=_("Dose given (mg)"), min_value=0.1, max_digits=7, decimal_places=1
    )
    batch_number = forms.CharField(label=_("Batch"), max_length=60)
    deviation_reason = forms.CharField(
        label=_("Reason for a deviation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the dose differs by more than %(t)s%% or the day is not the planned day."
        )
        % {"t": rules.DOSE_TOLERANCE_PERCENT},
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class Day0Form(BootstrapFormMixin, forms.Form):
    new_date = forms.DateField(label=_("Planned Day 0"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when Day 0 moves."),
    )


class Day0CorrectionForm(BootstrapFormMixin, forms.Form):
    new_day0_date = forms.DateField(
        label=_("Correct Day 0 (the day the infusion started)"), widget=DateInput()
    )
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    # Not required here: core.signatures.reauthenticate refuses a missing password, and a
    # session from the hospital's identity provider signs by confirming there instead.
    password = forms.CharField(
        label=_("Your password (electronic signature)"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "required": True}),
    )


class StockForm(BootstrapFormMixin, forms.Form):
    doses_available = forms.IntegerField(
        label=_("Tocilizumab doses on the ward"), min_value=0, max_value=20
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=200)


class PreInfusionCheckForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PreInfusionCheck
        fields = [
            "checked_at",
            "temperature_c",
            "heart_rate_bpm",
            "systolic_bp_mmhg",
            "diastolic_bp_mmhg",
            "spo2_percent",
            "respiratory_rate_per_min",
            "active_uncontrolled_infection",
            "new_organ_dysfunction",
            "paracetamol_given",
            "antihistamine_given",
            "prophylactic_steroid_given",
            "notes",
        ]
        widgets = {"checked_at": DateTimeInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked_at"].initial = _now()


class OverrideForm(BootstrapFormMixin, forms.Form):
    item = forms.ChoiceField(choices=GATE_ITEM_CHOICES, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the override"), widget=forms.Textarea(attrs={"rows": 2})
    )


class InfusionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = InfusionRecord
        fields = [
            "started_at",
            "ended_at",
            "bags_infused",
            "bags_reason",
            "dose_cells_10e6",
            "temperature_c",
            "heart_rate_bpm",
            "systolic_bp_mmhg",
            "diastolic_bp_mmhg",
            "spo2_percent",
            "reactions",
        ]
        widgets = {
            "started_at": DateTimeInput(),
            "ended_at": DateTimeInput(),
            "bags_reason": forms.Textarea(attrs={"rows": 2}),
            "reactions": forms.Textarea(attrs={"rows": 2}),
        }
