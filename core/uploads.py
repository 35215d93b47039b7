"""What an uploaded consent or release certificate may contain (issue 14, item 9).

The first bytes say what a file claims to be; the whole file is read to check it is only that:
- a PDF must parse (pypdf), not be encrypted (it could not be inspected), and hold no script
  (/JS, /JavaScript, as /OpenAction or any other action), no /Launch, no embedded file
  (/EmbeddedFile, /EmbeddedFiles, /GoToE), no /RichMedia or /ImportData;
- a PNG must end with its IEND chunk, with nothing after it;
- a JPEG must end with its end-of-image marker, with nothing after it;
- no file may carry HTML, SVG or script text anywhere (a polyglot that a browser or viewer
  would read as a web page).
How stored files are served (attachment, sandbox) is the deployment's concern (issue 19).

``LimitedUploadHandler`` and ``RequestBodyLimitMiddleware`` refuse a request body over
``MAX_REQUEST_BODY_BYTES`` before it is read in full.
"""

import io
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

# Markers of a document a browser would run: HTML, SVG, XML islands and script.
_ACTIVE_TEXT = re.compile(
    rb"<\s*(?:html|script|svg|body|iframe|object|embed|!doctype|\?xml|head|meta)\b"
    rb"|javascript:",
    re.IGNORECASE,
)
PDF_FORBIDDEN_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/GoToE",
        "/RichMedia",
        "/ImportData",
    }
)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _refuse(message: str):
    return ValidationError(message, code="file_content")


def check_upload_content(data: bytes, kind: str) -> None:
    """Raise ValidationError unless ``data`` is a plain ``kind`` ("pdf", "png" or "jpeg")."""
    if _ACTIVE_TEXT.search(data):
        raise _refuse(_("The file contains web page or script content; it was not stored."))
    if kind == "pdf":
        _check_pdf(data)
    elif kind == "png":
        _check_png(data)
    elif kind in ("jpeg", "jpg"):
        _check_jpeg(data)


# The same names written plainly anywhere in the file, even in an object nothing refers to.
_PDF_FORBIDDEN_RAW = re.compile(
    rb"/(?:JS|JavaScript|Launch|EmbeddedFiles?|GoToE|RichMedia|ImportData)(?![A-Za-z0-9#])"
)


def _forbidden_pdf(name) -> ValidationError:
    return _refuse(
        _(
            "The PDF contains a script, a launch action or an embedded file (%(name)s); "
            "it was not stored."
        )
        % {"name": name}
    )


def _check_pdf(data: bytes) -> None:
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if found := _PDF_FORBIDDEN_RAW.search(data):
        raise _forbidden_pdf(found.group().decode("ascii"))
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse(_("Encrypted PDFs cannot be checked; upload an unprotected copy."))
        # Walk the trailer and every object the cross-reference tables list (compressed
        # object streams included, where names are not visible in the raw bytes).
        seen: set[tuple[int, int]] = set()
        stack = [reader.trailer]
        for generation, objects in reader.xref.items():
            stack.extend(IndirectObject(idnum, generation, reader) for idnum in objects)
        stack.extend(IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm)
        while stack:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in seen:
                    continue
                seen.add(key)
                node = node.get_object()
            if isinstance(node, DictionaryObject):
                for name, value in node.items():
                    if name in PDF_FORBIDDEN_NAMES:
                        raise _forbidden_pdf(name)
                    if isinstance(value, NameObject) and value in PDF_FORBIDDEN_NAMES:
                        raise _forbidden_pdf(value)
                    stack.append(value)
            elif isinstance(node, ArrayObject):
                stack.extend(node)
    except ValidationError:
        raise
    except Exception as error:  # pypdf raises many kinds of error on a damaged file
        raise _refuse(_("The PDF could not be read; it was not stored.")) from error


def _check_png(data: bytes) -> None:
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            if position != len(data):
                raise _refuse(_("The PNG has data after its end; it was not stored."))
            return
    raise _refuse(_("The PNG is incomplete; it was not stored."))


def _check_jpeg(data: bytes) -> None:
    end = data.rfind(b"\xff\xd9")
    if end < 0:
        raise _refuse(_("The JPEG is incomplete; it was not stored."))
    if data[end + 2 :].strip(b"\x00\r\n\t "):
        raise _refuse(_("The JPEG has data after its end; it was not stored."))


def blank_pdf() -> bytes:
    """A valid one-page PDF with nothing in it (demo certificates and tests)."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def tiny_png() -> bytes:
    """A valid 1x1 white PNG (tests)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return _PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def read_upload(upload) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    data = upload.read()
    upload.seek(position)
    return data


# --- Request body limit ----------------------------------------------------------------------


def _limit() -> int:
    return settings.MAX_REQUEST_BODY_BYTES


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading a multipart body at the limit, even without a Content-Length."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length and content_length > _limit():
            raise RequestDataTooBig("Request body over MAX_REQUEST_BODY_BYTES")

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > _limit():
            raise RequestDataTooBig("Request body over MAX_REQUEST_BODY_BYTES")
        return raw_data

    def file_complete(self, file_size):
        return None


class RequestBodyLimitMiddleware:
    """A body announced as larger than the limit is refused before any of it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > _limit():
            return self._refuse(request)
        # A chunked body has no length: LimitedUploadHandler stops it (Django answers 400).
        return self.get_response(request)

    @staticmethod
    def _refuse(request):
        mb = _limit() // (1024 * 1024)
        message = _("The upload is larger than %(mb)s MB; nothing was saved.") % {"mb": mb}
        if request.path_info.startswith("/api/"):
            from django.http import JsonResponse

            response = JsonResponse({"detail": message}, status=413)
        else:
            from django.shortcuts import render

            response = render(request, "errors/413.html", {"message": message}, status=413)
        # The rest of the body is not read: the client must not reuse the connection.
        response["Connection"] = "close"
        return response
