"""Numbers refused in clinical words ("Weight must be between 1 and 350 kg"), never Django's or
DRF's digit counts, on a form of every family and on the API, in English and Chinese."""

from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from apheresis.forms import CollectionForm
from core.clinical_numbers import digits_bounds, label_and_unit, number_range_message
from eligibility.forms import ScreeningForm
from followup.forms import VisitForm
from infusion.forms import PreInfusionCheckForm
from monitoring.forms import AssessmentForm
from patients.forms import PatientForm

DJANGO_WORDS = ("digits", "Ensure", "less than or equal", "greater than or equal", "Enter a")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("weight (kg)", ("Weight", "kg")),
        ("SpO₂ (%)", ("SpO₂", "%")),
        ("Neutrophils (×10⁹/L)", ("Neutrophils", "×10⁹/L")),
        ("体重（kg）", ("体重", "kg")),
        ("Deauville score (PET)", ("Deauville score (PET)", "")),
        ("CAPD score (under 12)", ("CAPD score (under 12)", "")),
        ("ECOG performance status", ("ECOG performance status", "")),
    ],
)
def test_the_unit_is_read_from_the_label(label, expected):
    assert label_and_unit(label) == expected


def test_the_message_says_the_range_and_the_decimals():
    assert (
        number_range_message(
            label="weight (kg)",
            min_value=Decimal("1"),
            max_value=Decimal("350.0"),
            decimal_places=1,
        )
        == "Weight must be between 1 and 350 kg (at most 1 decimal place)."
    )
    assert number_range_message(label="Dose (mg)", max_value=digits_bounds(6, 2)) == (
        "Dose must be at most 9999.99 mg."
    )
    assert number_range_message(label="Bags", min_value=1) == "Bags must be at least 1."


FORMS = [
    # family, form, bad value, message
    (PatientForm, {}, "weight_kg", "12345", "Weight must be between 1 and 350 kg"),
    (PatientForm, {}, "height_cm", "abc", "Height must be between 40 and 250 cm"),
    (AssessmentForm, {}, "spo2_percent", "140", "SpO₂ must be between 50 and 100 %."),
    (
        AssessmentForm,
        {},
        "oxygen_flow_l_min",
        "1234",
        "Oxygen flow must be between 0 and 100 L/min",
    ),
    (ScreeningForm, {}, "alt_u_l", "99999999", "ALT must be between 0 and 10000 U/L"),
    # A model validator already in clinical words keeps its own message.
    (ScreeningForm, {}, "ecog", "7", "ECOG runs from 0 to 4."),
    (
        PreInfusionCheckForm,
        {},
        "temperature_c",
        "45.55",
        "Temperature must be between 30 and 43 °C",
    ),
    (CollectionForm, {}, "product_volume_ml", "123456789", "Product volume must be between 1 and"),
    (VisitForm, {"course": None}, "haemoglobin_g_dl", "123456", "Haemoglobin must be between"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "kwargs", "name", "value", "message"), FORMS)
def test_a_form_of_every_family_refuses_in_clinical_words(form_class, kwargs, name, value, message):
    form = form_class(data={name: value}, **kwargs)
    assert not form.is_valid()
    [error] = form.errors[name]
    assert error.startswith(message), error
    assert not any(word in error for word in DJANGO_WORDS)


@pytest.mark.django_db
def test_the_form_message_is_chinese_on_a_chinese_page():
    with translation.override("zh-hans"):
        form = PatientForm(data={"weight_kg": "12345"})
        form.is_valid()
        [error] = form.errors["weight_kg"]
    assert "须在 1 至 350 kg之间" in error and "最多 1 位小数" in error


@pytest.mark.django_db
class TestApi:
    def test_a_weight_out_of_range_is_refused_in_clinical_words(self, dr_ben, ward_7a):
        api = APIClient()
        api.force_authenticate(dr_ben)
        response = api.post(
            "/api/patients/",
            {
                "mrn": "CQ555009",
                "family_name": "Huang",
                "given_name": "Min",
                "date_of_birth": "1961-04-02",
                "sex": "M",
                "weight_kg": "12345",
                "height_cm": "30",
                "diagnosis": "LBCL",
                "ward": ward_7a.code,
                "attending_clinician": dr_ben.pk,
            },
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert body["weight_kg"] == [
            "Weight must be between 1 and 350 kg (at most 1 decimal place)."
        ]
        assert body["height_cm"] == [
            "Height must be between 40 and 250 cm (at most 1 decimal place)."
        ]
