"""A course's product is one indicated for the patient's diagnosis (clinical reference §4,
the catalogue's approved indications): the choice lists only those, and the service, the
page and the API refuse another with a clinical message."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from catalogue import selectors as catalogue_selectors
from patients import services
from patients.forms import CourseOpenForm
from patients.models import TreatmentCourse
from tests.factories import PatientFactory, product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


@pytest.fixture
def myeloma_patient(ward_7a, dr_ben):
    """Mr Sun on ward 7A, multiple myeloma: BCMA products only (cilta-cel, ide-cel)."""
    return PatientFactory(
        mrn="CQ7A0099", family_name="Sun", diagnosis="MM", ward=ward_7a, attending_clinician=dr_ben
    )


def test_the_products_indicated_for_each_diagnosis():
    codes = lambda diagnosis: sorted(  # noqa: E731
        catalogue_selectors.products_indicated_for(diagnosis).values_list("code", flat=True)
    )
    assert codes("MM") == ["cilta-cel", "ide-cel"]
    assert codes("MCL") == ["brexu-cel", "liso-cel", "relma-cel"]
    assert "axi-cel" in codes("LBCL") and "cilta-cel" not in codes("LBCL")


def test_the_choice_lists_only_indicated_products(myeloma_patient):
    form = CourseOpenForm(patient=myeloma_patient)
    choices = {str(label) for _, label in form.fields["product"].choices if _}
    assert choices == {str(product("cilta-cel")), str(product("ide-cel"))}


def test_the_service_refuses_a_product_not_indicated(dr_ben, myeloma_patient):
    with pytest.raises(ValidationError) as error:
        services.course_open(by=dr_ben, patient=myeloma_patient, product=product("axi-cel"))
    assert error.value.message_dict["product"] == [
        "axi-cel is not indicated for Multiple myeloma: choose cilta-cel or ide-cel."
    ]
    assert not TreatmentCourse.objects.exists()
    course = services.course_open(by=dr_ben, patient=myeloma_patient, product=product("ide-cel"))
    assert course.product.code == "ide-cel"


def test_the_page_refuses_a_product_not_indicated(client, dr_ben, myeloma_patient):
    client.force_login(dr_ben)
    response = client.post(
        reverse("patients:course_open", args=[myeloma_patient.pk]),
        {"product": product("axi-cel").pk, "referred_on": "2026-06-10"},
        follow=True,
    )
    assert "not indicated for Multiple myeloma" in response.content.decode()
    assert not TreatmentCourse.objects.exists()
    page = client.get(reverse("patients:detail", args=[myeloma_patient.pk])).content.decode()
    assert "cilta-cel" in page and "axi-cel" not in page


def test_the_api_refuses_a_product_not_indicated_and_lists_by_diagnosis(dr_ben, myeloma_patient):
    api = APIClient()
    api.force_authenticate(dr_ben)
    refused = api.post(
        "/api/courses/", {"patient": myeloma_patient.pk, "product": "axi-cel"}, format="json"
    )
    assert refused.status_code == 400
    assert "not indicated for Multiple myeloma" in refused.json()["product"][0]
    listed = api.get("/api/products/", {"diagnosis": "MM"}).json()
    rows = listed["results"] if "results" in listed else listed
    assert sorted(p["code"] for p in rows) == ["cilta-cel", "ide-cel"]
    opened = api.post(
        "/api/courses/", {"patient": myeloma_patient.pk, "product": "cilta-cel"}, format="json"
    )
    assert opened.status_code == 201, opened.json()
