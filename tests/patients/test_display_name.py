"""One display name for a patient: Chinese names family then given with no comma (宋玲),
Western names as the chart prints them (SONG, Ling)."""

import pytest

from patients.names import is_chinese_name, patient_display_name
from tests.factories import PatientFactory


@pytest.mark.parametrize(
    ("family", "given", "printed"),
    [
        ("宋", "玲", "宋玲"),
        ("欧阳", "娜娜", "欧阳娜娜"),
        (" 宋 ", " 玲 ", "宋玲"),
        ("宋", "", "宋"),
        ("Song", "Ling", "SONG, Ling"),
        ("O'Brien", "Mary Ann", "O'BRIEN, Mary Ann"),
        ("Song", "", "SONG"),
        ("", "Ling", "Ling"),
        ("𠮷", "野", "𠮷野"),  # an ideograph outside the Basic Multilingual Plane
    ],
)
def test_it_prints_the_name_in_the_order_of_its_culture(family, given, printed):
    assert patient_display_name(family, given) == printed


def test_latin_letters_are_not_taken_for_chinese():
    assert not is_chinese_name("Song Ling")
    assert is_chinese_name("宋")


@pytest.mark.django_db
def test_the_chart_and_the_list_print_a_chinese_name_without_a_comma(client, dr_ben, ward_7a):
    patient = PatientFactory(family_name="宋", given_name="玲", ward=ward_7a)
    client.force_login(dr_ben)

    for page in (f"/patients/{patient.pk}/", "/patients/"):
        text = client.get(page).content.decode()
        assert "宋玲" in text and "宋, 玲" not in text and "宋，玲" not in text
    assert str(patient) == f"宋玲 ({patient.mrn})"
