"""Structured JSON logs, one format for web (Django and gunicorn), worker and beat. Each line
carries the request id (web) or task id (worker) and the user id, never a patient's name or
MRN: log messages name records by database id only."""

import json
import logging
from datetime import UTC, datetime

from .request_context import request_id_var, task_id_var, user_id_var

# Extra attributes copied into the JSON line when a log call passes them.
EXTRA_FIELDS = ("method", "path", "duration_ms", "remote", "bytes", "task_name", "export_job")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs 4xx/5xx answers after the middleware has returned, with the
        # request attached: take the ids from it then.
        request = getattr(record, "request", None)
        request_id = getattr(request, "request_id", None) if request is not None else None
        if not getattr(record, "request_id", None):
            record.request_id = request_id or request_id_var.get()
        if not getattr(record, "user_id", None):
            user = getattr(request, "user", None) if request_id else None
            record.user_id = (
                str(user.pk) if user is not None and user.is_authenticated else user_id_var.get()
            )
        if not getattr(record, "task_id", None):
            record.task_id = task_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "user_id": getattr(record, "user_id", "-"),
        }
        task_id = getattr(record, "task_id", "-")
        if task_id != "-":
            entry["task_id"] = task_id
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
