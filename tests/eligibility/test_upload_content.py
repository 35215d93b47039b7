"""A consent document with a script, a launch action, an embedded file or a polyglot is
refused on the page (form error) and in the API (400), and nothing is stored (issue 14,
item 9). A body over the limit is refused before it is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from eligibility.models import ConsentRecord
from tests.core.test_uploads import ATTACHMENT, JPEG, LAUNCH, OPEN_ACTION_JS
from tests.eligibility.conftest import ALL_ITEMS, PDF_BYTES, approved_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

HOSTILE = [
    ("consent.pdf", OPEN_ACTION_JS, "script, a launch action or an embedded file"),
    ("consent.pdf", LAUNCH, "script, a launch action or an embedded file"),
    ("consent.pdf", ATTACHMENT, "script, a launch action or an embedded file"),
    ("consent.pdf", PDF_BYTES + b"<html><script>alert(1)</script>", "web page or script"),
    ("scan.jpg", JPEG + b"<svg onload=alert(1)>", "web page or script"),
]
IDS = ["openaction-js", "launch", "embedded-file", "pdf-html", "jpeg-svg"]


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=IDS)
def test_page_shows_a_form_error_and_stores_nothing(
    client, dr_ben, patient_7a, media, name, content, message
):
    course = approved_course(patient_7a, dr_ben)
    client.force_login(dr_ben)
    data = {"consented_on": "2026-06-15", "notes": "", **{k: "on" for k in ALL_ITEMS}}
    response = client.post(
        reverse("eligibility:consent", args=[course.pk]),
        {**data, "explained_by": dr_ben.pk, "document": upload(name, content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ConsentRecord.objects.exists()
    assert not list(media.rglob("*.*"))


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=IDS)
def test_api_answers_400_and_stores_nothing(dr_ben, patient_7a, media, name, content, message):
    course = approved_course(patient_7a, dr_ben)
    client = APIClient()
    client.force_authenticate(dr_ben)
    response = client.post(
        "/api/eligibility/consents/",
        {
            "course": course.pk,
            "consented_on": "2026-06-15",
            "explained_by": dr_ben.pk,
            "document": upload(name, content),
            **ALL_ITEMS,
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["document"])
    assert not ConsentRecord.objects.exists()
    assert not list(media.rglob("*.*"))


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    client, dr_ben, patient_7a, media, settings
):
    settings.MAX_REQUEST_BODY_BYTES = 64 * 1024
    course = approved_course(patient_7a, dr_ben)
    client.force_login(dr_ben)
    content = PDF_BYTES + b"%" + b"0" * (200 * 1024)
    data = {"consented_on": "2026-06-15", **{k: "on" for k in ALL_ITEMS}}
    response = client.post(
        reverse("eligibility:consent", args=[course.pk]),
        {**data, "explained_by": dr_ben.pk, "document": upload("consent.pdf", content)},
    )
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    api = APIClient()
    api.force_authenticate(dr_ben)
    response = api.post(
        "/api/eligibility/consents/",
        {"course": course.pk, "document": upload("consent.pdf", content), **ALL_ITEMS},
        format="multipart",
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert not ConsentRecord.objects.exists()


def test_the_body_is_not_read_when_its_length_is_over_the_limit(rf, settings):
    from core.uploads import RequestBodyLimitMiddleware

    settings.MAX_REQUEST_BODY_BYTES = 1024

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = rf.post("/api/eligibility/consents/", data=b"", content_type="text/plain")
    request.META["CONTENT_LENGTH"] = str(60 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    response = RequestBodyLimitMiddleware(lambda r: r.body)(request)
    assert response.status_code == 413


def test_a_chunked_body_is_stopped_at_the_limit(settings):
    """No Content-Length: the upload handler counts and stops at the limit."""
    from django.core.exceptions import RequestDataTooBig

    from core.uploads import LimitedUploadHandler

    settings.MAX_REQUEST_BODY_BYTES = 1024
    handler = LimitedUploadHandler()
    handler.handle_raw_input(None, {}, None, b"x")
    handler.receive_data_chunk(b"0" * 1000, 0)
    with pytest.raises(RequestDataTooBig):
        handler.receive_data_chunk(b"0" * 1000, 1000)
