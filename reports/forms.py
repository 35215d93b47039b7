from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue import selectors as catalogue_selectors
from catalogue.models import Diagnosis
from core.forms import BootstrapFormMixin, DateInput
from patients.models import Stage

from . import datasets
from .access import PURPOSE_MIN_LENGTH, can_export_identifiable
from .datasets import Filters
from .models import FileFormat
from .selectors import Scope

DOWNLOAD = "download"
BACKGROUND = "background"
PSEUDONYMISED = "pseudonymised"
IDENTIFIABLE = "identifiable"


class FilterFieldsMixin(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=catalogue_selectors.products(),
        to_field_name="code",
        required=False,
        empty_label=_("All products"),
    )
    diagnosis = forms.ChoiceField(
        label=_("Diagnosis"),
        choices=[("", _("All diagnoses")), *Diagnosis.choices],
        required=False,
    )
    stage = forms.ChoiceField(
        label=_("Current stage of the course"),
        choices=[("", _("All stages")), *Stage.choices],
        required=False,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the date range is before its start."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            product=data["product"].code if data.get("product") else "",
            diagnosis=data.get("diagnosis") or "",
            stage=data.get("stage") or "",
        )


class ExportForm(BootstrapFormMixin, FilterFieldsMixin):
    dataset = forms.ChoiceField(label=_("Dataset"))
    file_format = forms.ChoiceField(
        label=_("Format"), choices=FileFormat.choices, initial=FileFormat.CSV
    )
    delivery = forms.ChoiceField(
        label=_("How"),
        choices=[
            (DOWNLOAD, _("Download now")),
            (BACKGROUND, _("Run in the background (large exports)")),
        ],
        initial=DOWNLOAD,
    )
    identity = forms.ChoiceField(
        label=_("Patients appear"),
        choices=[
            (PSEUDONYMISED, _("Pseudonymised: study codes, no names, birth year only")),
            (IDENTIFIABLE, _("Identifiable: MRN, names, birth dates, free text")),
        ],
        initial=PSEUDONYMISED,
        required=False,  # left out: pseudonymised
    )
    purpose = forms.CharField(
        label=_("Purpose of this export"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for an identifiable export; kept in the export log."),
    )

    field_order = [
        "dataset",
        "identity",
        "purpose",
        "file_format",
        "delivery",
        "date_from",
        "date_to",
        "product",
        "diagnosis",
        "stage",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [
            (d.key, d.label) for d in datasets.all_datasets() if d.allowed(user)
        ]
        if not can_export_identifiable(user):
            # Administrators export pseudonymised data only (issue 14).
            self.fields["identity"].choices = self.fields["identity"].choices[:1]

    @property
    def identifiable(self) -> bool:
        return self.cleaned_data.get("identity") == IDENTIFIABLE

    def clean(self):
        data = super().clean()
        if data.get("identity") == IDENTIFIABLE:
            if len((data.get("purpose") or "").strip()) < PURPOSE_MIN_LENGTH:
                self.add_error(
                    "purpose",
                    _("State the purpose of an identifiable export (at least %(n)s characters).")
                    % {"n": PURPOSE_MIN_LENGTH},
                )
        dataset = datasets.get(data.get("dataset") or "")
        if dataset is not None and not self.errors:
            for name in sorted(dataset.unsupported(self.filters())):
                self.add_error(
                    name,
                    _("This filter does not apply to %(dataset)s.") % {"dataset": dataset.label},
                )
        return data


class FhirBundleForm(BootstrapFormMixin, forms.Form):
    """A course's FHIR bundle is a chart: identifiable, so it states its purpose."""

    course = forms.IntegerField(label=_("Course number"), min_value=1)
    purpose = forms.CharField(label=_("Purpose of this FHIR export"), min_length=PURPOSE_MIN_LENGTH)


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    diagnosis = forms.ChoiceField(
        label=_("Diagnosis"),
        choices=[("", _("All diagnoses")), *Diagnosis.choices],
        required=False,
    )
    infused_from = forms.DateField(label=_("Infused from"), required=False, widget=DateInput())
    infused_to = forms.DateField(label=_("Infused to"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("infused_from"), data.get("infused_to")
        if start and end and start > end:
            self.add_error("infused_to", _("The end of the date range is before its start."))
        return data

    def scope(self) -> Scope:
        """The filter as the dashboard's selectors take it; no filter when the form is invalid."""
        if not self.is_valid():
            return Scope()
        return Scope(
            diagnosis=self.cleaned_data["diagnosis"],
            infused_from=self.cleaned_data["infused_from"],
            infused_to=self.cleaned_data["infused_to"],
        )
