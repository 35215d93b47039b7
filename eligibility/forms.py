from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import DrugClass
from core.forms import BootstrapFormMixin, DateInput, MeasuredField
from patients.forms import clinicians

from .models import (
    CONSENT_ITEMS,
    ConsentRecord,
    Decision,
    PriorLine,
    ScreeningAssessment,
    WashoutTherapy,
    validate_consent_document,
)
from .services import SCREENING_FIELDS

SECTIONS = (
    (
        _("Disease"),
        (
            "assessed_on",
            "diagnosis",
            "diagnosis_subtype",
            "largest_lesion_cm",
            "cns_involvement",
            "lenalidomide_refractory",
        ),
    ),
    (
        _("Autologous transplant"),
        (
            "prior_autologous_transplant",
            "transplant_date",
            "transplant_outcome",
            "transplant_candidate",
        ),
    ),
    (
        _("Fitness and organ function"),
        (
            "ecog",
            "crcl_ml_min",
            "bilirubin_mg_dl",
            "alt_u_l",
            "alt_uln_u_l",
            "ast_u_l",
            "ast_uln_u_l",
            "lvef_percent",
            "spo2_percent",
        ),
    ),
    (
        _("Blood counts and markers"),
        (
            "haemoglobin_g_dl",
            "platelets_10e9_l",
            "anc_10e9_l",
            "alc_10e9_l",
            "ldh_u_l",
            "ldh_uln_u_l",
            "ferritin_ng_ml",
            "crp_mg_dl",
        ),
    ),
    (
        _("Infection, serology and pregnancy"),
        ("active_infection", "hbv", "hcv", "hiv", "pregnancy"),
    ),
    (_("Notes"), ("notes",)),
)
assert {f for _title, names in SECTIONS for f in names} == set(SCREENING_FIELDS)

_YES_NO_UNKNOWN = [("unknown", _("Not recorded")), ("true", _("Yes")), ("false", _("No"))]


def _not_future(value, message):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


# Screening labs typed with a unit (issue 16 item 9): field → (core.units quantity, places).
MEASURED_LABS = {
    "bilirubin_mg_dl": ("bilirubin", 2),
    "haemoglobin_g_dl": ("haemoglobin", 1),
    "platelets_10e9_l": ("platelets", 1),
    "anc_10e9_l": ("neutrophils", 2),
    "alc_10e9_l": ("lymphocytes", 2),
    "ferritin_ng_ml": ("ferritin", 1),
    "crp_mg_dl": ("crp", 2),
}


class ScreeningForm(BootstrapFormMixin, forms.ModelForm):
    """Every field may stay empty: the screening is saved in parts and the rules say what is
    missing. The service re-checks everything checked here."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    # Labs in the unit the hospital measures them in, stored in the field's unit (issue 16
    # item 9; core/units.py). No more hand conversion ("g/L ÷ 10").
    bilirubin_mg_dl = MeasuredField(*MEASURED_LABS["bilirubin_mg_dl"], label=_("Total bilirubin"))
    haemoglobin_g_dl = MeasuredField(*MEASURED_LABS["haemoglobin_g_dl"], label=_("Haemoglobin"))
    platelets_10e9_l = MeasuredField(*MEASURED_LABS["platelets_10e9_l"], label=_("Platelets"))
    anc_10e9_l = MeasuredField(*MEASURED_LABS["anc_10e9_l"], label=_("ANC"))
    alc_10e9_l = MeasuredField(*MEASURED_LABS["alc_10e9_l"], label=_("ALC"))
    ferritin_ng_ml = MeasuredField(*MEASURED_LABS["ferritin_ng_ml"], label=_("Ferritin"))
    crp_mg_dl = MeasuredField(*MEASURED_LABS["crp_mg_dl"], label=_("CRP"))

    class Meta:
        model = ScreeningAssessment
        fields = list(SCREENING_FIELDS)
        widgets = {
            "assessed_on": DateInput(),
            "transplant_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            **{
                name: forms.NullBooleanSelect()
                for name in (
                    "prior_autologous_transplant",
                    "transplant_candidate",
                    "lenalidomide_refractory",
                    "cns_involvement",
                    "active_infection",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.NullBooleanSelect):
                field.widget.choices = _YES_NO_UNKNOWN
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_assessed_on(self):
        return _not_future(
            self.cleaned_data["assessed_on"], _("The assessment date cannot be in the future.")
        )

    def clean_transplant_date(self):
        return _not_future(
            self.cleaned_data["transplant_date"], _("The transplant date cannot be in the future.")
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SCREENING_FIELDS}

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]


class CheckboxesMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"


class PriorLineForm(CheckboxesMixin, BootstrapFormMixin, forms.ModelForm):
    # The recorded row this form stands for, so a save changes that row and no other.
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    drug_classes = forms.MultipleChoiceField(
        label=_("Drug classes"),
        choices=DrugClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PriorLine
        fields = [
            "line_number",
            "regimen",
            "drug_classes",
            "start_date",
            "end_date",
            "best_response",
            "progression_date",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "progression_date": DateInput(),
        }

    def clean(self):
        data = super().clean()
        for name in ("start_date", "end_date", "progression_date"):
            if data.get(name) and data[name] > timezone.localdate():
                self.add_error(name, _("This date cannot be in the future."))
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("The line cannot end before it starts."))
        return data

    def _post_clean(self):
        # The line is saved by the service with its screening, not by the form.
        pass


class WashoutForm(BootstrapFormMixin, forms.ModelForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = WashoutTherapy
        fields = ["therapy_class", "description", "last_dose_date"]
        widgets = {"last_dose_date": DateInput()}

    def clean_last_dose_date(self):
        return _not_future(
            self.cleaned_data["last_dose_date"], _("The last dose cannot be dated in the future.")
        )

    def _post_clean(self):
        pass


class BaseRowsFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """What the page asks for, row by row: a recorded row comes back with its id (and
        ``delete`` when "Remove" is ticked); a filled-in empty row is added; an empty row
        left empty is nothing. A recorded row is never dropped because it was not edited."""
        rows = []
        for form in self.forms:
            row_id = form.cleaned_data.get("id") if hasattr(form, "cleaned_data") else None
            if self._should_delete_form(form):
                if row_id is not None:
                    rows.append({"id": row_id, "delete": True})
                continue
            if row_id is None and not form.has_changed():
                continue
            row = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
            if row_id is not None:
                row["id"] = row_id
            rows.append(row)
        return rows


PriorLineFormSet = forms.formset_factory(
    PriorLineForm, formset=BaseRowsFormSet, extra=2, can_delete=True, max_num=20
)
WashoutFormSet = forms.formset_factory(
    WashoutForm, formset=BaseRowsFormSet, extra=2, can_delete=True, max_num=20
)


def prior_line_initial(assessment) -> list[dict]:
    return [
        {"id": line.pk, **{name: getattr(line, name) for name in PriorLineForm.Meta.fields}}
        for line in assessment.prior_lines.all()
    ]


def washout_initial(assessment) -> list[dict]:
    return [
        {"id": w.pk, **{name: getattr(w, name) for name in WashoutForm.Meta.fields}}
        for w in assessment.washout_therapies.all()
    ]


class DecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("MDT decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("MDT date"), widget=DateInput())
    attendees = forms.CharField(label=_("MDT members present"), required=False, max_length=500)
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required to approve a screening that is incomplete or not eligible, and to "
            "decline an eligible one."
        ),
    )
    # Not required here: core.signatures.reauthenticate refuses a missing password, and a
    # session from the hospital's identity provider signs by confirming there instead.
    password = forms.CharField(
        label=_("Your password (electronic signature)"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "required": True}),
        help_text=_("Signing records your name, the decision and the time."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
        self.fields["decided_on"].initial = timezone.localdate()

    def clean_decided_on(self):
        return _not_future(
            self.cleaned_data["decided_on"], _("The MDT date cannot be in the future.")
        )


class ConsentForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ConsentRecord
        fields = ["consented_on", "explained_by", *CONSENT_ITEMS, "document", "notes"]
        widgets = {"consented_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["explained_by"].queryset = clinicians()
        self.fields["document"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
        if not self.is_bound:
            self.fields["consented_on"].initial = timezone.localdate()
            if user is not None:
                self.fields["explained_by"].initial = user.pk
        for item in CONSENT_ITEMS:
            self.fields[item].required = True
            self.fields[item].error_messages["required"] = _(
                "Tick this item once it has been explained."
            )

    def clean_consented_on(self):
        return _not_future(
            self.cleaned_data["consented_on"], _("The date of consent cannot be in the future.")
        )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document:
            validate_consent_document(document)
        return document

    def _post_clean(self):
        pass

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
