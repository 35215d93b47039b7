"""A release certificate with a script or a polyglot is refused on the page (form error) and
in the API (400), and nothing is stored (issue 14, item 9)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apheresis.models import Collection
from tests.apheresis.conftest import PDF_BYTES, PNG_BYTES, manufacture_and_ship_back
from tests.core.test_uploads import LAUNCH, OPEN_ACTION_JS

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("certificate.pdf", OPEN_ACTION_JS, "script, a launch action or an embedded file"),
    ("certificate.pdf", LAUNCH, "script, a launch action or an embedded file"),
    ("certificate.pdf", PDF_BYTES + b"<html><script>alert(1)</script>", "web page or script"),
    ("photo.png", PNG_BYTES + b"<script>alert(1)</script>", "web page or script"),
]
IDS = ["openaction-js", "launch", "pdf-html", "png-script-after-iend"]


def receipt(name, content, **extra):
    return {
        "lot_number": "LOT-7781",
        "total_cells_10e6": "140",
        "viability_percent": "91.5",
        "release_certificate": SimpleUploadedFile(name, content),
        "storage_location": "LN2-2 / C / 4",
        "place": "Cell therapy lab",
        **extra,
    }


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=IDS)
def test_page_shows_a_form_error_and_stores_nothing(
    client, frozen, collection, coordinator_cai, media, name, content, message
):
    manufacture_and_ship_back(frozen, collection, coordinator_cai)
    client.force_login(coordinator_cai)
    response = client.post(
        reverse("apheresis:receipt_new", args=[collection.pk]),
        receipt(name, content, received_at="2026-07-03T10:00", bag_count="1"),
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not hasattr(Collection.objects.get(), "receipt")
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=IDS)
def test_api_answers_400_and_stores_nothing(
    frozen, collection, coordinator_cai, media, name, content, message
):
    manufacture_and_ship_back(frozen, collection, coordinator_cai)
    client = APIClient()
    client.force_authenticate(coordinator_cai)
    response = client.post(
        f"/api/apheresis/collections/{collection.pk}/receipt/",
        receipt(name, content, received_at="2026-07-03T10:00:00+08:00"),
        format="multipart",
    )
    assert response.status_code == 400
    assert message in str(response.json())
    assert not hasattr(Collection.objects.get(), "receipt")
    assert not list(media.rglob("*.*"))
