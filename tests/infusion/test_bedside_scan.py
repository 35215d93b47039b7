"""Issue 17: the bedside bag check reads a full-width scan (Chinese IME) as the same COI, on
the page and in the API, and the scan field is made for a keyboard-wedge scanner."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apheresis.models import BagVerification
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


def test_page_matches_a_full_width_scan(client, nurse_ada, on_day0):
    coi = on_day0.chain_of_identity.coi_id
    client.force_login(nurse_ada)
    response = client.post(
        reverse("apheresis:bedside_check", args=[on_day0.pk]),
        {"scanned_text": full_width(coi) + "\r\n", "password": PASSWORD},
        follow=True,
    )
    assert "Bag matches the patient" in response.content.decode()
    assert BagVerification.objects.get().matched is True


def test_api_matches_a_full_width_scan(nurse_ada, on_day0):
    coi = on_day0.chain_of_identity.coi_id
    api = APIClient()
    api.force_authenticate(nurse_ada)
    response = api.post(
        "/api/bedside-verifications/",
        {"course": on_day0.pk, "scanned_text": full_width(coi), "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201 and response.json()["matched"] is True


def test_scan_field_is_labelled_focused_and_not_autocompleted(client, nurse_ada, on_day0):
    client.force_login(nurse_ada)
    body = client.get(reverse("infusion:gate", args=[on_day0.pk])).content.decode()
    form = body[body.index('data-testid="bag-check"') :]
    form = form[: form.index("</form>")]
    assert 'class="form-label" for="id_scanned_text"' in form
    assert 'class="form-label" for="id_password"' in form
    assert "visually-hidden" not in form
    scan = form[form.index('name="scanned_text"') - 200 : form.index('name="scanned_text"') + 300]
    assert "autofocus" in scan and 'autocomplete="off"' in scan and "data-enter-next" in scan
