"""Uploaded files are read in full: scripts, launch actions, embedded files and polyglots are
refused (issue 14, item 9). Page and API paths: tests/eligibility and tests/apheresis
test_upload_content.py."""

import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.uploads import blank_pdf, check_upload_content, tiny_png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def pdf_with(change) -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def open_action(action: dict):
    def change(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): v for k, v in action.items()}
        )

    return change


OPEN_ACTION_JS = pdf_with(
    open_action({"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert(1)")})
)
LAUNCH = pdf_with(open_action({"/S": NameObject("/Launch"), "/F": TextStringObject("calc.exe")}))


def document_js(writer):
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    names = ArrayObject([TextStringObject("start"), writer._add_object(action)])
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): names})}
    )


DOCUMENT_JS = pdf_with(document_js)
ATTACHMENT = pdf_with(lambda writer: writer.add_attachment("run.exe", b"MZ\x90\x00"))
# The names written with hex escapes (/J#53 is /JS): invisible to a byte search.
HEX_ESCAPED_JS = OPEN_ACTION_JS.replace(b"/JS ", b"/J#53 ").replace(
    b"/JavaScript", b"/J#61vaScript"
)


def refused(data: bytes, kind: str) -> str:
    with pytest.raises(ValidationError) as error:
        check_upload_content(data, kind)
    return " ".join(error.value.messages)


@pytest.mark.parametrize(
    "data",
    [OPEN_ACTION_JS, LAUNCH, DOCUMENT_JS, ATTACHMENT, HEX_ESCAPED_JS],
    ids=["openaction-js", "launch", "document-js", "embedded-file", "hex-escaped-js"],
)
def test_pdfs_with_scripts_launch_or_files_are_refused(data):
    assert data.startswith(b"%PDF-")
    assert "script, a launch action or an embedded file" in refused(data, "pdf")


def test_hex_escaped_name_is_found_by_parsing_not_by_bytes():
    from core.uploads import _PDF_FORBIDDEN_RAW

    assert not _PDF_FORBIDDEN_RAW.search(HEX_ESCAPED_JS) and b"/J#53" in HEX_ESCAPED_JS
    refused(HEX_ESCAPED_JS, "pdf")


def test_a_plain_pdf_png_and_jpeg_pass():
    check_upload_content(blank_pdf(), "pdf")
    check_upload_content(tiny_png(), "png")
    check_upload_content(JPEG, "jpeg")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (blank_pdf() + b"\n<html><body><script>alert(1)</script></body></html>", "pdf"),
        (tiny_png() + b"<script>alert(document.cookie)</script>", "png"),
        (JPEG + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "jpeg"),
        (JPEG[:-2] + b"\xff\xfe\x00\x20<svg onload=alert(1)>" + b"\xff\xd9", "jpeg"),
    ],
    ids=["pdf-html", "png-script-after-iend", "jpeg-svg-after-eoi", "jpeg-svg-in-comment"],
)
def test_polyglots_are_refused(data, kind):
    assert "web page or script content" in refused(data, kind)


def test_data_after_the_end_of_an_image_is_refused():
    assert "after its end" in refused(tiny_png() + b"\x00\x01payload", "png")
    assert "after its end" in refused(JPEG + b"payload", "jpeg")
    assert "incomplete" in refused(tiny_png()[:-12], "png")


def test_unreadable_or_encrypted_pdfs_are_refused():
    assert "could not be read" in refused(b"%PDF-1.4\n1 0 obj<<>>endobj\n", "pdf")

    def encrypt(writer):
        writer.encrypt("secret")

    try:
        encrypted = pdf_with(encrypt)
    except Exception:  # no AES backend: pypdf's RC4 is always there, but be safe
        pytest.skip("pypdf cannot encrypt here")
    assert "Encrypted" in refused(encrypted, "pdf")
