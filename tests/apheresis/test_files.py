"""The release certificate is served through core.files: an attachment (never inline from
this site's origin), sandboxed, and a clear 404 page when the file is lost (it was a 500)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apheresis import services
from tests.apheresis.conftest import manufacture_and_ship_back, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt(frozen, collection, coordinator_cai, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    manufacture_and_ship_back(frozen, collection, coordinator_cai)
    return services.product_receive(
        by=coordinator_cai,
        collection=collection,
        lot_number="LOT-7781",
        received_at=datetime(2026, 7, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        total_cells_10e6=Decimal("140"),
        viability_percent=Decimal("91.5"),
        release_certificate=pdf(),
        storage_location="LN2-2 / rack C / box 4",
        place="Cell therapy lab",
        temperature_c=Decimal("-160.0"),
    )


def test_certificate_is_a_sandboxed_attachment(client, receipt, coordinator_cai):
    client.force_login(coordinator_cai)
    response = client.get(reverse("apheresis:certificate", args=[receipt.collection_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="release-certificate-{receipt.coi_id}.pdf"'
    )
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_certificate_behind_nginx(client, receipt, coordinator_cai, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected/"
    client.force_login(coordinator_cai)
    response = client.get(reverse("apheresis:certificate", args=[receipt.collection_id]))
    assert response["X-Accel-Redirect"] == f"/_protected/{receipt.release_certificate.name}"
    assert response.content == b"" and response["Content-Security-Policy"] == "sandbox"


def test_a_lost_certificate_is_a_404_page_not_a_500(client, receipt, coordinator_cai, tmp_path):
    (tmp_path / receipt.release_certificate.name).unlink()
    client.force_login(coordinator_cai)
    response = client.get(reverse("apheresis:certificate", args=[receipt.collection_id]))
    assert response.status_code == 404
    assert 'data-testid="file-missing"' in response.content.decode()


def test_not_served_to_a_nurse_of_another_ward(client, receipt, nurse_dan, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected/"
    client.force_login(nurse_dan)
    response = client.get(reverse("apheresis:certificate", args=[receipt.collection_id]))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response
