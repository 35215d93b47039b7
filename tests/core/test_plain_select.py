"""core.forms.PlainSelect writes the same bytes as Django's Select (its templates)."""

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from core.forms import PlainSelect

CHOICES = [
    ("", "All wards"),
    (1, "Haematology 7A"),
    (2, 'Ward <B> & "C"'),
    ("monitoring", gettext_lazy("Monitoring")),
]
GROUPED = [("", "—"), ("Inpatient", [(1, "7A"), (2, "7B")]), ("Day unit", [(3, "DU")])]


@pytest.mark.parametrize("choices", [CHOICES, GROUPED, []])
@pytest.mark.parametrize("value", [None, "", 2, "monitoring", "3"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"class": "form-select is-invalid", "aria-invalid": "true", "required": True}],
)
def test_the_same_bytes_as_djangos_select(choices, value, attrs):
    ours = PlainSelect(attrs={"data-x": "a<b", "disabled": False}, choices=choices)
    django = forms.Select(attrs={"data-x": "a<b", "disabled": False}, choices=choices)
    assert ours.render("ward", value, attrs=attrs) == django.render("ward", value, attrs=attrs)


def test_a_form_field_renders_the_same(db):
    from core.models import Ward

    Ward.objects.create(code="7a", name="Haematology 7A")
    Ward.objects.create(code="7b", name="O'Brien & Co")

    class Plain(forms.Form):
        ward = forms.ModelChoiceField(Ward.objects.all(), widget=PlainSelect, required=False)

    class Stock(forms.Form):
        ward = forms.ModelChoiceField(Ward.objects.all(), required=False)

    chosen = str(Ward.objects.get(code="7b").pk)
    assert str(Plain({"ward": chosen})["ward"]) == str(Stock({"ward": chosen})["ward"])
