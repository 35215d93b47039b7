"""Optional error reporting to a Sentry-compatible service (Sentry, GlitchTip), switched on
by SENTRY_DSN. Off by default: nothing leaves the hospital unless IT sets the DSN.

Patient data must not leave either: no request bodies, cookies, user details or local
variables are sent; events carry the request id (or task id) and the user's database id
only, so the helpdesk can find the matching log lines."""

from __future__ import annotations

from .request_context import request_id_var, task_id_var, user_id_var


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            k: v for k, v in headers.items() if k.lower() not in {"cookie", "authorization"}
        }
    event.pop("user", None)
    tags = event.setdefault("tags", {})
    tags["request_id"] = request_id_var.get()
    tags["task_id"] = task_id_var.get()
    tags["user_id"] = user_id_var.get()
    return event


def error_reporting_init(*, dsn: str, environment: str = "", release: str = "", **extra) -> bool:
    """Start the SDK when a DSN is set; True when it was started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0.0,
        before_send=scrub_event,
        **extra,
    )
    return True
