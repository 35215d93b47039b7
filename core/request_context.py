"""The request id and user id of the request being served (or the task id of the Celery task
being run), for logs and error pages."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_id_var: ContextVar[str] = ContextVar("user_id", default="-")
task_id_var: ContextVar[str] = ContextVar("task_id", default="-")

# Keys set in the WSGI environ, which gunicorn's access log reads (core/gunicorn_logging.py).
ENVIRON_REQUEST_ID = "cart.request_id"
ENVIRON_USER_ID = "cart.user_id"

# The request being served, so a service deep in a call (an e-signature's password check)
# can hand it to authenticate() for lockout counting without every caller passing it on.
request_var: ContextVar[object | None] = ContextVar("request", default=None)
