"""Checks deploy/local_stack.sh runs through nginx against the stack of local processes.

    python deploy/stack_check.py BASE_URL STEP [args]

Steps: login-upload COURSE_ID (clinician uploads a consent through the proxy; prints the
consent id), export (auditor runs a background export on the web node, the worker writes it
to the shared media folder, the file is downloaded through the proxy via X-Accel-Redirect),
consent CONSENT_ID SHA256 (the consent is downloaded again and compared)."""

import hashlib
import re
import sys
import time

import requests

PASSWORD = "correct-horse-battery-9"


def _blank_pdf() -> bytes:
    """A real one-page PDF: the app reads every uploaded PDF (core/uploads.py) and refuses
    one it cannot parse."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _blank_pdf()
CONSENT_ITEMS = (
    "explained_price",
    "explained_benefit",
    "explained_crs_icans",
    "explained_long_term_follow_up",
    "explained_restrictions",
)


def fail(message: str):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def session_for(base: str, username: str) -> requests.Session:
    s = requests.Session()
    s.headers["Referer"] = base + "/"
    page = s.get(f"{base}/accounts/login/")
    if page.status_code != 200:
        page = s.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not token:
        fail(f"login page through the proxy: {page.status_code}")
    response = s.post(
        page.url,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
        allow_redirects=False,
    )
    if response.status_code != 302:
        fail(f"login of {username} through the proxy answered {response.status_code}")
    if "X-Request-ID" not in response.headers:
        fail("no X-Request-ID on the answer")
    s.headers["X-CSRFToken"] = s.cookies.get("csrftoken", "")
    return s


def check_protected(response, what: str) -> None:
    if response.status_code != 200:
        fail(f"{what}: {response.status_code} {response.text[:200]}")
    if "X-Accel-Redirect" in response.headers:
        fail(f"{what}: nginx leaked X-Accel-Redirect")
    headers = {k.lower(): v for k, v in response.headers.items()}
    if not headers.get("content-disposition", "").startswith("attachment"):
        fail(f"{what}: not an attachment: {headers}")
    if "sandbox" not in headers.get("content-security-policy", ""):
        fail(f"{what}: no sandbox CSP: {headers}")
    if headers.get("x-content-type-options") != "nosniff":
        fail(f"{what}: no nosniff")


def login_upload(base: str, course_id: str) -> None:
    s = session_for(base, "ben")
    url = f"{base}/eligibility/courses/{course_id}/consent/"
    form = s.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    explained_by = re.search(r'name="explained_by"[^>]*>.*?<option value="(\d+)"', form.text, re.S)
    if form.status_code != 200 or not token or not explained_by:
        fail(f"consent form through the proxy: {form.status_code}")
    data = {
        "csrfmiddlewaretoken": token[1],
        "consented_on": time.strftime("%Y-%m-%d"),
        "explained_by": explained_by[1],
        **dict.fromkeys(CONSENT_ITEMS, "on"),
    }
    response = s.post(
        url,
        data=data,
        files={"document": ("consent.pdf", PDF, "application/pdf")},
        allow_redirects=False,
    )
    if response.status_code != 302:
        fail(f"consent upload answered {response.status_code}: {response.text[:400]}")
    consents = s.get(f"{base}/api/eligibility/consents/", params={"course": course_id}).json()
    consent_id = consents["results"][0]["id"]
    document = s.get(f"{base}/api/eligibility/consents/{consent_id}/document/")
    check_protected(document, "consent download")
    if document.content != PDF:
        fail("the consent downloaded through the proxy differs from the upload")
    print(f"CONSENT_ID={consent_id}")
    print(f"CONSENT_SHA256={hashlib.sha256(document.content).hexdigest()}")


def export(base: str) -> None:
    s = session_for(base, "cara")
    created = s.post(
        f"{base}/api/reports/export-jobs/",
        json={"dataset": "courses", "file_format": "csv", "purpose": "deployment check"},
    )
    if created.status_code != 201:
        fail(f"export job request: {created.status_code} {created.text[:300]}")
    job_id = created.json()["id"]
    for _ in range(120):
        job = s.get(f"{base}/api/reports/export-jobs/{job_id}/").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    if job["status"] != "done":
        fail(f"export job ended {job['status']}: {job.get('error')}")
    page = s.get(f"{base}/reports/exports/jobs/{job_id}/download/")
    check_protected(page, "export download (page)")
    api = s.get(f"{base}/api/reports/export-jobs/{job_id}/download/")
    check_protected(api, "export download (API)")
    lines = page.content.decode("utf-8-sig").splitlines()
    if page.content != api.content or len(lines) != job["row_count"] + 1:
        fail(f"export file: {len(lines)} lines for {job['row_count']} rows")
    print(f"EXPORT_ROWS={job['row_count']}")


def consent(base: str, consent_id: str, sha256: str) -> None:
    s = session_for(base, "ben")
    document = s.get(f"{base}/api/eligibility/consents/{consent_id}/document/")
    check_protected(document, "consent after restore")
    if hashlib.sha256(document.content).hexdigest() != sha256:
        fail("the restored consent differs")
    print("CONSENT_RESTORED=ok")


if __name__ == "__main__":
    base_url, step, *args = sys.argv[1:]
    {"login-upload": login_upload, "export": export, "consent": consent}[step](base_url, *args)
