from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue import selectors as catalogue_selectors
from core.forms import BootstrapFormMixin, DateInput, DateTimeInput, PlainSelect
from core.models import User, Ward
from core.roles import Role

from . import rules, services, stage_entry
from .models import Patient, Stage


def clinicians():
    return User.objects.filter(groups__name=Role.CLINICIAN, is_active=True).order_by(
        "last_name", "first_name"
    )


class PatientForm(BootstrapFormMixin, forms.ModelForm):
    """Registration and edit form; the service re-checks everything the form checks."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=300,
        help_text=_("Required once the patient is in treatment; kept with the record's history."),
    )

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "weight_kg",
            "height_cm",
            "diagnosis",
            "ward",
            "attending_clinician",
            "preferred_language",
        ]
        widgets = {"date_of_birth": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = Ward.objects.filter(active=True)
        self.fields["attending_clinician"].queryset = clinicians()
        self.fields["preferred_language"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["reason"]  # a new record has no history to explain

    def clean_preferred_language(self):
        # Optional on the form (a client that does not send it keeps the record's, or the
        # centre's for a new patient); the select always sends one.
        value = self.cleaned_data.get("preferred_language")
        return value or self.instance.preferred_language

    def clean_date_of_birth(self):
        dob = self.cleaned_data["date_of_birth"]
        if dob and dob > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return dob

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CourseOpenForm(BootstrapFormMixin, forms.Form):
    product = forms.ModelChoiceField(
        queryset=catalogue_selectors.active_products(), label=_("Product")
    )
    referred_on = forms.DateField(label=_("Referred on"), widget=DateInput())

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        # The choice offers only the products indicated for the patient's diagnosis; another
        # one posted is refused by clean_product in clinical words, not "not a valid choice".
        field = self.fields["product"]
        field.choices = [("", field.empty_label)] + [
            (p.pk, str(p)) for p in catalogue_selectors.products_indicated_for(patient.diagnosis)
        ]

    def clean_product(self):
        product = self.cleaned_data["product"]
        try:
            services.course_product_check(patient=self.patient, product=product)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["product"]) from None
        return product

    def clean_referred_on(self):
        value = self.cleaned_data["referred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The referral date cannot be in the future."))
        return value


class _StageChoiceField(forms.ChoiceField):
    """Offers only the moves the generic form may make; a stage entered on its record is
    refused with the page where that record is made, not a bare "not a valid choice"."""

    from_stage = ""

    def validate(self, value):
        refusal = stage_entry.generic_move_refusal(self.from_stage, value) if value else None
        if refusal:
            raise forms.ValidationError(refusal, code="evidence")
        super().validate(value)


class StageChangeForm(BootstrapFormMixin, forms.Form):
    to_stage = _StageChoiceField(label=_("New stage"), choices=())
    effective_date = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when ending a course or going back a stage."),
    )

    def __init__(self, *args, course, user, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Stage.choices)
        self.fields["to_stage"].from_stage = course.stage
        self.fields["to_stage"].choices = [
            (stage, labels[stage])
            for stage in rules.STAGE_ORDER
            if stage in rules.ALLOWED_TRANSITIONS[course.stage]
            and rules.is_evidence_free_move(course.stage, stage)
            and user.roles & rules.ROLES_FOR_TARGET[stage]
        ]
        self.fields["effective_date"].initial = timezone.localdate()


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices read with one plain query. ModelChoiceIterator reads them with
    QuerySet.iterator(), which on PostgreSQL opens a server-side cursor (DECLARE, FETCH,
    CLOSE) on every page showing the field: a few rows do not need one (issue 20 item 3)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator
    widget = PlainSelect


class PatientSearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("All stages"))] + Stage.choices,
        widget=PlainSelect,
    )
    ward = ListedModelChoiceField(
        label=_("Ward"), required=False, queryset=Ward.objects.all(), empty_label=_("All wards")
    )


class TransferForm(BootstrapFormMixin, forms.Form):
    to_ward = forms.ModelChoiceField(label=_("To ward"), queryset=Ward.objects.none())
    transferred_at = forms.DateTimeField(label=_("Transferred at"), widget=DateTimeInput())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_ward"].queryset = Ward.objects.filter(active=True).exclude(
            pk=patient.ward_id
        )
        self.fields["transferred_at"].initial = timezone.localtime().replace(
            second=0, microsecond=0
        )
