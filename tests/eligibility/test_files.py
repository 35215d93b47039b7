"""The signed consent is served through core.files on the page and the API: an attachment,
sandboxed, via X-Accel-Redirect behind nginx, and a clear 404 when the file is lost."""

import pytest
from django.urls import reverse

from eligibility import services
from tests.eligibility.conftest import ALL_ITEMS, TODAY, approved_course, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def consent(personas, patient_7a, media):
    dr_ben = personas["clinician"]
    course = approved_course(patient_7a, dr_ben)
    return services.consent_record(
        by=dr_ben,
        course=course,
        consented_on=TODAY,
        explained_by=dr_ben,
        document=pdf(),
        **ALL_ITEMS,
    )


def addresses(consent):
    return [
        reverse("eligibility:consent_document", args=[consent.pk]),
        f"/api/eligibility/consents/{consent.pk}/document/",
    ]


def assert_sandboxed_attachment(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_streamed_without_a_proxy(client, personas, consent):
    client.force_login(personas["nurse"])
    for url in addresses(consent):
        response = client.get(url)
        assert_sandboxed_attachment(response)
        assert "X-Accel-Redirect" not in response
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_handed_to_nginx_behind_the_proxy(client, personas, consent, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected/"
    client.force_login(personas["nurse"])
    for url in addresses(consent):
        response = client.get(url)
        assert_sandboxed_attachment(response)
        assert response["X-Accel-Redirect"] == f"/_protected/{consent.document.name}"
        assert response.content == b""


def test_the_permission_check_comes_first(client, personas, consent, settings):
    settings.PROTECTED_MEDIA_ACCEL_PREFIX = "/_protected/"
    client.force_login(personas["other_nurse"])
    for url in addresses(consent):
        response = client.get(url)
        assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_a_lost_file_is_a_clear_404(client, personas, consent, media):
    (media / consent.document.name).unlink()
    client.force_login(personas["nurse"])
    page, api = (client.get(url) for url in addresses(consent))
    assert page.status_code == 404
    assert 'data-testid="file-missing"' in page.content.decode()
    assert "restore it from the nightly backup" in page.content.decode()
    assert api.status_code == 404 and "missing" in api.json()["detail"]
