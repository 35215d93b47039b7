"""gunicorn's access log as one JSON line per request, in the same format as the app's logs,
with the request id and user id the app put in the WSGI environ (core.middleware).

Imported by gunicorn before Django starts: no Django imports here."""

from __future__ import annotations

import traceback

from gunicorn import glogging

from .request_context import ENVIRON_REQUEST_ID, ENVIRON_USER_ID


class JsonAccessLogger(glogging.Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = None
        query = f"?{req.query}" if req.query else ""
        extra = {
            "request_id": environ.get(ENVIRON_REQUEST_ID) or req_header(req, "X-REQUEST-ID") or "-",
            "user_id": environ.get(ENVIRON_USER_ID, "-"),
            "status_code": status,
            "method": req.method,
            "path": req.path + query,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote": req_header(req, "X-FORWARDED-FOR") or environ.get("REMOTE_ADDR", "-"),
            "bytes": getattr(resp, "sent", None),
        }
        try:
            self.access_log.info("%s %s %s", req.method, req.path, status, extra=extra)
        except Exception:
            self.error(traceback.format_exc())


def req_header(req, name: str) -> str:
    for key, value in req.headers:
        if key == name:
            return value
    return ""


def logconfig_dict(level: str = "INFO") -> dict:
    """gunicorn's own logs (error and access) through the app's JSON formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logging.RequestContextFilter"}},
        "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["context"],
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
