from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapFormMixin, DateInput, DateTimeInput, MeasuredField

from . import rules, services, text
from .models import (
    Collection,
    CollectionSchedule,
    CustodyKind,
    ManufacturingRecord,
    OutOfSpecResult,
    ProductReceipt,
    VerificationPurpose,
)


def _now_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class ScheduleForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Pre-collection ALC in the unit the laboratory reports (×10⁹/L or /µL), stored in
    # ×10⁹/L (issue 16 item 9; core/units.py).
    alc_10e9_l = MeasuredField("lymphocytes", 2, label=_("ALC"))
    cd3_cells_per_ul = MeasuredField("cd3", 0, label=_("CD3+ T cells"))

    class Meta:
        model = CollectionSchedule
        fields = list(services.SCHEDULE_FIELDS)
        widgets = {
            "collection_date": DateInput(),
            "counts_drawn_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.SCHEDULE_FIELDS}


class OverrideForm(BootstrapFormMixin, forms.Form):
    check_code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(
        label=_("Reason for overriding"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class CancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), required=False, max_length=2000)


class CollectionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Collection
        fields = [
            "collected_at",
            "blood_volumes_processed",
            "product_volume_ml",
            "total_nucleated_cells_10e9",
            "cd3_cells_10e9",
            "adverse_events",
            "staff",
        ]
        widgets = {
            "collected_at": DateTimeInput(),
            "adverse_events": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collected_at"].initial = _now_minute()


# Logged by their own records: the collection and the product receipt.
MANUAL_CUSTODY_KINDS = [
    (value, label)
    for value, label in CustodyKind.choices
    if value not in services.RECORDED_ELSEWHERE
]


class CustodyForm(BootstrapFormMixin, forms.Form):
    # One scan plus confirm: the bag's COI ID is scanned first; the next expected step, the
    # time (now), the place last used for that step and the person are filled in already.
    # Enter (the scanner's last key) moves to the confirm button instead of submitting.
    scanned_coi_id = forms.CharField(
        label=_("Scan the bag's COI ID"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "data-enter-next": "#confirm"}
        ),
    )
    kind = forms.ChoiceField(label=_("Event"), choices=MANUAL_CUSTODY_KINDS)
    occurred_at = forms.DateTimeField(label=_("Time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    handled_by = forms.CharField(
        label=_("Person"), max_length=200, help_text=_("Who had the cells.")
    )
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=-200,
        max_value=45,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args,
        coi_id: str = "",
        next_kind: str | None = None,
        place: str = "",
        handled_by: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.coi_id = coi_id
        self.fields["occurred_at"].initial = _now_minute()
        if next_kind:
            self.fields["kind"].initial = next_kind
        self.fields["place"].initial = place
        self.fields["handled_by"].initial = handled_by

    def clean_scanned_coi_id(self) -> str:
        result = rules.coi_compare(
            scanned=self.cleaned_data["scanned_coi_id"], expected=self.coi_id
        )
        if result != rules.SCAN_MATCH:
            raise forms.ValidationError(text.SCAN_MESSAGES[result])
        return self.coi_id

    def service_fields(self) -> dict:
        """What the custody service takes (the scan is checked here, not stored twice)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "scanned_coi_id"}


class CorrectionForm(BootstrapFormMixin, forms.Form):
    occurred_at = forms.DateTimeField(label=_("Corrected time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    handled_by = forms.CharField(label=_("Person"), max_length=200)
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=-200,
        max_value=45,
    )
    void = forms.BooleanField(label=_("Entered in error: this step did not happen"), required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ManufacturingForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ManufacturingRecord
        fields = list(services.MANUFACTURING_FIELDS)
        widgets = {
            "manufacturing_started_on": DateInput(),
            "expected_release_on": DateInput(),
            "released_on": DateInput(),
            "failure_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.MANUFACTURING_FIELDS}


class OutOfSpecForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = OutOfSpecResult
        fields = ["parameter", "result", "specification", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class ReceiptForm(BootstrapFormMixin, forms.ModelForm):
    place = forms.CharField(label=_("Received at (place)"), max_length=200)
    temperature_c = forms.DecimalField(
        label=_("Temperature on arrival (°C)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        min_value=-200,
        max_value=45,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = ProductReceipt
        fields = [
            "lot_number",
            "received_at",
            "bag_count",
            "total_cells_10e6",
            "viability_percent",
            "release_certificate",
            "storage_location",
        ]
        widgets = {"received_at": DateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = _now_minute()
        self.fields["release_certificate"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg"
        self.fields["release_certificate"].help_text = _("PDF, PNG or JPEG, at most %(mb)s MB.") % {
            "mb": services.certificate_limit_mb()
        }

    def _post_clean(self):
        # The service validates and saves; the form must not build the model itself.
        pass


class VerifyForm(BootstrapFormMixin, forms.Form):
    scanned_text = forms.CharField(
        label=_("Scan or type the bag's COI ID"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    purpose = forms.ChoiceField(
        label=_("Checked for"),
        choices=VerificationPurpose.choices,
        initial=VerificationPurpose.BEDSIDE,
    )


class BagScanForm(BootstrapFormMixin, forms.Form):
    # Scanner first: a keyboard-wedge scanner types the code and presses Enter, which moves on
    # to the password instead of submitting (static/js/app.js, data-enter-next).
    scanned_text = forms.CharField(
        label=_("Scan or type the COI ID on the bag"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "data-enter-next": "",
            }
        ),
    )
    password = forms.CharField(
        label=_("Your password (electronic signature)"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
