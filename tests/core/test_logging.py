"""One JSON log format for web, gunicorn, worker and beat, each line with the request id or
task id and the user; error reporting that sends no patient data."""

import io
import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from core.error_reporting import scrub_event
from core.gunicorn_logging import JsonAccessLogger, logconfig_dict
from core.logging import JsonFormatter, RequestContextFilter
from core.request_context import ENVIRON_REQUEST_ID, ENVIRON_USER_ID, request_id_var

pytestmark = pytest.mark.django_db

REQUEST_ID = "ward7-request-0001"


@pytest.fixture
def json_lines():
    """Capture every log line as the console handler formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_404_line_carries_the_request_id_and_user(client, nurse_ada, json_lines):
    client.force_login(nurse_ada)
    client.get("/no-such-page/", HTTP_X_REQUEST_ID=REQUEST_ID)
    (line,) = [e for e in json_lines() if e["logger"] == "django.request"]
    assert (line["status"], line["request_id"], line["user_id"]) == (
        404,
        REQUEST_ID,
        str(nurse_ada.pk),
    )


def test_a_403_line_carries_the_request_id(client, nurse_ada, json_lines):
    client.force_login(nurse_ada)
    client.get("/reports/exports/", HTTP_X_REQUEST_ID=REQUEST_ID)
    (line,) = [e for e in json_lines() if e["logger"] == "django.request"]
    assert (line["status"], line["request_id"]) == (403, REQUEST_ID)


def test_worker_lines_carry_the_task_id(admin_alex, media, json_lines):
    from reports import services, tasks
    from reports.datasets import Filters

    job = services.export_job_request(
        by=admin_alex, dataset_key="courses", file_format="csv", filters=Filters()
    )
    tasks.run_export_job.apply(args=[job.pk], task_id="task-export-42")
    task_lines = [e for e in json_lines() if e.get("task_id") == "task-export-42"]
    assert any("succeeded" in e["message"] for e in task_lines)
    # Outside the task the id is gone again.
    logging.getLogger("x").info("after")
    assert "task_id" not in json_lines()[-1]


def test_celery_logs_through_django_logging(settings):
    from celery.signals import setup_logging

    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False
    assert any("_django_logging" in repr(r) for _, r in setup_logging.receivers)


def test_gunicorn_access_line_is_json_with_request_id_and_user():
    stream = io.StringIO()
    cfg = SimpleNamespace(
        accesslog="-",
        errorlog="-",
        loglevel="info",
        logconfig=None,
        logconfig_dict=logconfig_dict(),
        logconfig_json=None,
        syslog=False,
        capture_output=False,
        disable_redirect_access_to_syslog=False,
        access_log_format="",
        user=0,
        group=0,
    )
    logger = JsonAccessLogger.__new__(JsonAccessLogger)
    logger.cfg = cfg
    logger.access_log = logging.getLogger("test.gunicorn.access")
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    logger.access_log.handlers[0].setFormatter(JsonFormatter())
    logger.access_log.handlers[0].addFilter(RequestContextFilter())
    logger.access_log.setLevel(logging.INFO)
    logger.access_log.propagate = False
    logger._access_log_enabled = True
    request = SimpleNamespace(method="GET", path="/patients/", query="q=1", headers=[])
    response = SimpleNamespace(status="503 Service Unavailable", sent=12)
    environ = {ENVIRON_REQUEST_ID: REQUEST_ID, ENVIRON_USER_ID: "7", "REMOTE_ADDR": "10.0.0.9"}
    logger.access(response, request, environ, timedelta(milliseconds=35))
    line = json.loads(stream.getvalue())
    assert line["request_id"] == REQUEST_ID and line["user_id"] == "7"
    assert (line["status"], line["path"], line["duration_ms"]) == (503, "/patients/?q=1", 35.0)


def test_error_reports_carry_ids_and_no_patient_data():
    token = request_id_var.set(REQUEST_ID)
    try:
        event = scrub_event(
            {
                "request": {
                    "url": "https://cart.example.org/patients/",
                    "data": {"mrn": "MRN-1"},
                    "cookies": {"sessionid": "s"},
                    "query_string": "q=LIU",
                    "headers": {"Cookie": "sessionid=s", "User-Agent": "x"},
                },
                "user": {"username": "ada"},
            }
        )
    finally:
        request_id_var.reset(token)
    assert event["tags"]["request_id"] == REQUEST_ID
    assert "user" not in event and set(event["request"]) == {"url", "headers"}
    assert event["request"]["headers"] == {"User-Agent": "x"}


def test_error_reporting_is_off_without_a_dsn_and_safe_with_one():
    import sentry_sdk

    from core.error_reporting import error_reporting_init

    assert error_reporting_init(dsn="") is False
    sent = []
    try:
        assert error_reporting_init(
            dsn="https://public@errors.example.org/1", transport=lambda envelope: sent.append(1)
        )
        options = sentry_sdk.get_client().options
        assert options["send_default_pii"] is False
        assert options["max_request_body_size"] == "never"
        assert options["include_local_variables"] is False
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()
