"""Login protection, headers, error pages and logs (issue: trust)."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from core.logging import JsonFormatter, RequestContextFilter
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


class TestLogin:
    def test_lockout_after_repeated_failures(self, client, dr_ben):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert login(client, "ben", "wrong-password").status_code == 200
        assert login(client, "ben", "wrong-password").status_code == 429
        # Even the right password is refused while the lock lasts.
        locked = login(client, "ben", PASSWORD)
        assert locked.status_code == 429
        assert "Account locked" in locked.content.decode()
        assert "_auth_user_id" not in client.session

    def test_success_resets_the_failure_count(self, client, dr_ben):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            login(client, "ben", "wrong-password")
        assert login(client, "ben", PASSWORD).status_code == 302
        client.logout()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            login(client, "ben", "wrong-password")
        assert login(client, "ben", PASSWORD).status_code == 302

    def test_new_session_id_at_login(self, client, dr_ben):
        client.get("/accounts/login/")
        session = client.session
        session["marker"] = "x"
        session.save()
        before = session.session_key
        login(client, "ben", PASSWORD)
        assert client.session.session_key != before

    def test_idle_sessions_expire_after_30_minutes(self):
        assert settings.SESSION_COOKIE_AGE == 30 * 60
        assert not settings.SESSION_SAVE_EVERY_REQUEST  # activity is written once a minute
        assert settings.SESSION_COOKIE_HTTPONLY is True

    def test_weak_passwords_are_refused(self, client, dr_ben):
        client.force_login(dr_ben)
        response = client.post(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
        )
        assert response.status_code == 200
        dr_ben.refresh_from_db()
        assert dr_ben.check_password(PASSWORD)


class TestHeadersAndPages:
    def test_csp_forbids_inline_scripts(self, client, dr_ben):
        client.force_login(dr_ben)
        policy = client.get("/patients/")["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", policy).group(1)
        assert script_src.strip() == "'self'"
        assert "frame-ancestors 'none'" in policy

    def test_no_template_has_an_inline_script(self):
        offenders = []
        for template in ROOT.glob("**/templates/**/*.html"):
            if ".venv" in template.parts:
                continue
            for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
                if "src=" not in tag and "application/json" not in tag:
                    offenders.append(f"{template.relative_to(ROOT)}: {tag}")
            if re.search(r"\son[a-z]+\s*=", template.read_text()):
                offenders.append(f"{template.relative_to(ROOT)}: inline event handler")
        assert offenders == []

    def test_every_response_has_a_request_id(self, client):
        response = client.get("/accounts/login/")
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])

    def test_404_page_gives_a_reference_and_no_internals(self, client, nurse_dan, patient_7a):
        client.force_login(nurse_dan)
        response = client.get(f"/patients/{patient_7a.pk}/")
        body = response.content.decode()
        assert response.status_code == 404
        assert response["X-Request-ID"] in body
        assert patient_7a.mrn not in body and "Traceback" not in body

    @override_settings(DEBUG=False)
    def test_500_page_gives_a_reference_and_no_stack_trace(self, rf):
        from core.errors import server_error

        request = rf.get("/")
        request.request_id = "abc123def456"
        response = server_error(request)
        body = response.content.decode()
        assert response.status_code == 500
        assert "abc123def456" in body and "Traceback" not in body

    def test_security_headers(self, client):
        response = client.get("/accounts/login/")
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


class TestLogs:
    def test_log_lines_are_json_with_request_and_user_ids(self):
        record = logging.LogRecord(
            "django.request",
            logging.WARNING,
            __file__,
            1,
            "Not Found: %s",
            ("/patients/12/",),
            None,
        )
        RequestContextFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
        assert line["message"] == "Not Found: /patients/12/"
        assert {"time", "level", "logger", "request_id", "user_id"} <= set(line)

    def test_a_refused_patient_is_logged_by_id_not_mrn(self, client, nurse_dan, patient_7a, caplog):
        client.force_login(nurse_dan)
        with caplog.at_level(logging.WARNING, logger="django.request"):
            client.get(f"/patients/{patient_7a.pk}/")
        text = " ".join(r.getMessage() for r in caplog.records)
        assert "Not Found" in text
        assert patient_7a.mrn not in text and patient_7a.family_name not in text


class TestOutOfRange:
    def test_huge_id_in_a_page_address_is_a_400(self, client, dr_ben):
        client.force_login(dr_ben)
        response = client.get("/patients/99999999999999999999999/")
        assert response.status_code in (400, 404)

    def test_huge_filter_value_in_the_api_is_no_server_error(self, client, dr_ben):
        client.force_login(dr_ben)
        response = client.get("/api/courses/", {"patient": "9" * 30})
        # SQLite cannot hold the number (400); PostgreSQL compares it and finds nothing (200).
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert response.json()["count"] == 0
