"""Serving stored files (consents, release certificates, export files) after the app's
permission check, the one way every view does it.

Behind the shipped nginx (``PROTECTED_MEDIA_ACCEL_PREFIX`` set) the answer is an empty
response with ``X-Accel-Redirect``: nginx sends the bytes from its ``internal`` location, so
no gunicorn thread is held by a slow download. Without a proxy the app streams the file.
Either way the file is an attachment, sandboxed (``Content-Security-Policy: sandbox``) and
never sniffed, so an uploaded PDF/HTML polyglot cannot run as a page of this site.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

SANDBOX_HEADERS = {
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


class FileMissing(Http404):
    """The record names a file that is not in storage (lost volume, retention, restore)."""


def stored_path(name: str, *, under: str = "") -> Path:
    """The absolute path of a stored file; refuses a name that leaves MEDIA_ROOT/<under>."""
    root = (Path(settings.MEDIA_ROOT) / under).resolve()
    path = (Path(settings.MEDIA_ROOT) / name).resolve()
    if not name or root not in path.parents:
        raise FileMissing(name)
    return path


def missing_file_message() -> str:
    return _(
        "The file is missing from the server's storage. Ask the system administrator to "
        "restore it from the nightly backup (quote the reference below)."
    )


def protected_file_response(
    request,
    *,
    name: str,
    download_name: str,
    content_type: str | None = None,
    under: str = "",
    missing_message: str | None = None,
) -> HttpResponse:
    """Answer with the stored file ``name`` (relative to MEDIA_ROOT) as an attachment.

    Call it only after the permission check. A missing file is a 404 that says so: a page
    for the browser, a JSON error for the API (DRF requests)."""
    message = missing_message or missing_file_message()
    try:
        path = stored_path(name, under=under)
        if not path.is_file():
            raise FileMissing(name)
    except FileMissing:
        return _missing(request, message)
    content_type = content_type or mimetypes.guess_type(download_name)[0]
    content_type = content_type or "application/octet-stream"
    prefix = settings.PROTECTED_MEDIA_ACCEL_PREFIX
    if prefix:
        relative = PurePosixPath(path.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix())
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(str(relative))
        # nginx copies Content-Disposition from this answer; the rest it sets itself.
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    else:
        response = FileResponse(
            path.open("rb"), as_attachment=True, filename=download_name, content_type=content_type
        )
    for header, value in SANDBOX_HEADERS.items():
        response[header] = value
    return response


def _missing(request, message: str) -> HttpResponse:
    from rest_framework.exceptions import NotFound
    from rest_framework.request import Request

    if isinstance(request, Request):
        raise NotFound(message)
    return render(request, "errors/file_missing.html", {"message": message}, status=404)
