"""The request id and user id of the request being served, for logs and error pages."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_id_var: ContextVar[str] = ContextVar("user_id", default="-")
# The request being served, so a service deep in a call (an e-signature's password check)
# can hand it to authenticate() for lockout counting without every caller passing it on.
request_var: ContextVar[object | None] = ContextVar("request", default=None)
