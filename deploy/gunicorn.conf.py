"""gunicorn for the CAR-T workflow, as the shipped image and the compose file run it.

gthread workers: a slow client or a streaming CSV holds a thread, not a whole process, and the
worker keeps answering its master's heartbeat. Every value can be changed by the environment
(GUNICORN_*), so one file serves a small ward server and a large regional node."""

import os

from core.gunicorn_logging import logconfig_dict as json_logconfig

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request still running after this many seconds is cut off (the worker is restarted).
# Large exports run as background jobs (EXPORT_BACKGROUND_ABOVE_ROWS), so no page needs more.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Behind nginx (keepalive to the upstream off by default): a short keepalive is enough.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak never takes a node down; jitter spreads it.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Request line and header limits stay at gunicorn's defaults; the body limit is nginx's.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
# The app is loaded once in the master and forked (less memory, errors at start not later).
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"
worker_tmp_dir = os.environ.get(
    "GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None
)

# One JSON line per request (with the request id and user id), like the app's own logs.
accesslog = "-"
errorlog = "-"
logger_class = "core.gunicorn_logging.JsonAccessLogger"
logconfig_dict = json_logconfig(os.environ.get("LOG_LEVEL", "INFO"))
