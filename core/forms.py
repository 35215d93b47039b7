from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from .clinical_numbers import form_number_messages


class DateInput(forms.DateInput):
    """The one date widget of every form: the browser's date picker, ISO in and out."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    """The one date-and-time widget: local time to the minute (the browser's picker)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """A <select> written in Python, byte for byte what Django's select templates write
    (tests/core/test_plain_select.py), without including a template per option: the patient
    list's ward filter rendered one template per ward on every page, a cost that grew with
    the hospital's wards (issue 20 item 3)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [format_html('<select name="{}"', widget["name"]), _attrs_html(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                out.append(format_html('\n  <option value="{}"', str(option["value"])))
                out.append(_attrs_html(option["attrs"]))
                out.append(format_html(">{}</option>\n", option["label"]))
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")  # the renderer strips the template's last line end
        return mark_safe("".join(out))


class BootstrapFormMixin:
    """Give every widget Bootstrap's classes and mark invalid fields for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_number_messages(self)  # "Weight must be between 2 and 350 kg.", not digit counts
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.HiddenInput, MeasuredWidget)):
                continue  # a value-and-unit pair styles its own parts
            if isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class StyledPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass


class StyledSetPasswordForm(BootstrapFormMixin, SetPasswordForm):
    """The form behind a one-time reset link: the user sets her own password."""


def add_service_errors(form, error) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields, the
    rest at the top, so the page says what is wrong and nothing is saved."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- A lab value with its unit (issue 16 item 9) -------------------------------------------


class MeasuredWidget(forms.MultiWidget):
    """The number and the unit it was measured in, side by side."""

    template_name = "core/widgets/measured.html"

    def __init__(self, unit_choices, default_unit, attrs=None):
        self.default_unit = default_unit
        # Named "<field>" and "<field>_unit": a client that sends only the number (the API
        # style, older pages) gets the default unit.
        super().__init__(
            {
                "": forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
                "unit": forms.Select(choices=unit_choices, attrs={"class": "form-select"}),
            },
            attrs,
        )

    def id_for_label(self, id_):
        # The field's label names the number (the unit select has its own label).
        return f"{id_}_0" if id_ else ""

    def decompress(self, value):
        # A stored value is shown in the unit it is stored in.
        return [value, self.canonical] if value is not None else [None, self.default_unit]


class MeasuredField(forms.MultiValueField):
    """A lab value typed in the hospital's unit, cleaned to the stored (canonical) unit.
    Outside the plausible range: a clinical message ("Temperature 372 °C is not possible —
    did you mean 37.2?"), not Django's digit count."""

    def __init__(self, quantity: str, places: int, *, system: str | None = None, **kwargs):
        from django.conf import settings

        from . import units

        self.quantity, self.places = quantity, places
        spec = units.QUANTITIES[quantity]
        default = units.default_unit(quantity, system or settings.LAB_UNIT_SYSTEM)
        choices = [(u.code, u.symbol) for u in spec.units]
        kwargs.setdefault("required", False)
        fields = (
            forms.DecimalField(required=False),
            forms.ChoiceField(choices=choices, required=False),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)
        self.widget = MeasuredWidget(choices, default)
        self.widget.canonical = spec.canonical

    def compress(self, data_list):
        from django.utils.translation import gettext as _

        from . import units

        if not data_list or data_list[0] in (None, ""):
            return None
        value, unit = data_list[0], data_list[1] or self.widget.default_unit
        if value < 0:
            raise forms.ValidationError(_("This value cannot be negative."))
        problem = units.check(self.quantity, value, unit)
        if problem is not None:
            name = units.QUANTITIES[self.quantity].name
            if problem.suggestion is not None:
                message = _("%(name)s %(value)s %(unit)s is not possible — did you mean %(s)s?")
            else:
                message = _(
                    "%(name)s %(value)s %(unit)s is not possible (plausible %(low)s–%(high)s "
                    "%(unit)s)."
                )
            raise forms.ValidationError(
                message
                % {
                    "name": _(name),
                    "value": units._plain(problem.value),
                    "unit": problem.unit_symbol,
                    "s": units._plain(problem.suggestion) if problem.suggestion else "",
                    "low": units._plain(problem.low),
                    "high": units._plain(problem.high),
                }
            )
        return units.to_canonical(self.quantity, value, unit, places=self.places)
