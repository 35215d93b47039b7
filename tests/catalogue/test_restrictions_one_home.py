"""Issue 16 item 10: discharge restrictions per product from its own label, in one home.

The consent page, the discharge record and the wallet card show the same terms for every
product, because all three read the product's label row through one selector
(catalogue.selectors.discharge_restrictions). Parametrised over every product of the catalogue
(the first test proves the list is the whole catalogue)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from catalogue.models import CarTProduct, ProductLabel
from catalogue.selectors import discharge_restrictions, products
from followup import services
from patients import services as patient_services
from tests.factories import PatientFactory, course_at_stage
from tests.followup.conftest import infuse

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 3, 2)
CODES = [
    "axi-cel",
    "tisa-cel",
    "liso-cel",
    "brexu-cel",
    "ide-cel",
    "cilta-cel",
    "relma-cel",
    "obe-cel",
]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-03-20 09:00 +08:00", tick=False):
        yield


def test_the_products_below_are_the_whole_catalogue():
    assert sorted(CODES) == sorted(products().values_list("code", flat=True))


@pytest.mark.parametrize("code", CODES)
def test_consent_page_discharge_record_and_wallet_card_agree(client, code, ward_7a, dr_ben):
    product = CarTProduct.objects.get(code=code)
    terms = discharge_restrictions(product)
    client.force_login(dr_ben)

    # A patient with a diagnosis the product is indicated for (a course refuses any other).
    diagnosis = product.indications.filter(active=True).values_list("diagnosis", flat=True)[0]

    # Consent page of an eligible course.
    waiting = PatientFactory(ward=ward_7a, attending_clinician=dr_ben, diagnosis=diagnosis)
    course = patient_services.course_open(by=dr_ben, patient=waiting, product=product)
    for stage in ("screening", "eligible"):
        course_at_stage(by=dr_ben, course=course, to_stage=stage)
    consent = client.get(reverse("eligibility:consent", args=[course.pk])).content.decode()
    expected = (
        f"stay near the centre {terms.stay_near_centre_days} days and no driving "
        f"{terms.no_driving_days} days"
    )
    assert expected in consent

    # Discharge record and wallet card of an infused course of the same product.
    patient = PatientFactory(ward=ward_7a, attending_clinician=dr_ben, diagnosis=diagnosis)
    infused = infuse(patient, dr_ben, DAY0, code)
    discharge = services.discharge_record(
        by=dr_ben,
        course=infused,
        discharge_date=date(2026, 3, 20),
        caregiver_name="Liu Jian",
        caregiver_phone="+86 138 0000 0000",
        centre_phone="+86 23 6889 0000",
    )
    assert (discharge.stay_near_centre_days, discharge.no_driving_days) == (
        terms.stay_near_centre_days,
        terms.no_driving_days,
    )
    assert discharge.stay_near_centre_until == DAY0 + timedelta(days=terms.stay_near_centre_days)
    assert discharge.restriction_source == terms.source
    card = client.get(reverse("followup:wallet_card", args=[infused.pk])).content.decode()
    assert discharge.no_driving_until.isoformat() in card
    assert discharge.stay_near_centre_until.isoformat() in card


def test_the_us_june_2025_terms_only_for_the_six_us_products():
    """June 2025 US labels: 2 weeks near the centre and 2 without driving — Abecma, Breyanzi,
    Carvykti, Kymriah, Tecartus, Yescarta; relma-cel and obe-cel keep their own terms."""
    terms = {code: discharge_restrictions(CarTProduct.objects.get(code=code)) for code in CODES}
    us = {"axi-cel", "tisa-cel", "liso-cel", "brexu-cel", "ide-cel", "cilta-cel"}
    for code, t in terms.items():
        if code in us:
            assert (t.stay_near_centre_weeks, t.no_driving_weeks) == (2, 2), code
        else:
            assert (t.stay_near_centre_weeks, t.no_driving_weeks) == (4, 8), code
            assert t.source and not t.verified


def test_editing_the_label_row_changes_all_three(client, dr_ben):
    ProductLabel.objects.filter(product__code="axi-cel").update(
        proximity_restriction_weeks=3, source="Institutional SOP 2026"
    )
    terms = discharge_restrictions(CarTProduct.objects.get(code="axi-cel"))
    assert (terms.stay_near_centre_days, terms.source) == (21, "Institutional SOP 2026")
