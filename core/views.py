import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import services
from .models import WorkerHeartbeat
from .second_factor import second_factor_forget

logger = logging.getLogger(__name__)


def set_language(request):
    """Save the chosen language on the user, so it follows her to any ward computer."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured (embedded broker)"
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    return "ok"


def _check_celery() -> str:
    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    if beat is None:
        raise RuntimeError("no heartbeat yet")
    age = timezone.now() - beat.beat_at
    if age > settings.CELERY_HEARTBEAT_STALE_AFTER:
        raise RuntimeError(f"last heartbeat {int(age.total_seconds())} s ago")
    return "ok"


@login_not_required
@never_cache
def health_live(request):
    """Liveness: the process answers. No database, no Redis, no detail (HealthLiveMiddleware
    answers before sessions or users are read; this view only serves a direct call)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def health_ready(request):
    """Readiness for load balancers and compose: database, Redis and the Celery worker.

    Anyone gets the status; only staff see which part failed and why (an error text can name
    the database host and port)."""
    checks = {}
    healthy = True
    for name, check in (
        ("database", _check_database),
        ("redis", _check_redis),
        ("celery", _check_celery),
    ):
        try:
            checks[name] = check()
        except Exception as error:  # a health check reports every failure, whatever it is
            logger.warning("health check %s failed: %s: %s", name, type(error).__name__, error)
            checks[name] = f"error: {type(error).__name__}: {error}"
            healthy = False
    body = {"status": "ok" if healthy else "error"}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)


def notifications(request):
    """The user's in-app messages: reminders and escalations, newest first."""
    if request.method == "POST":
        services.notification_mark_read(
            user=request.user, notification_id=request.POST.get("id") or 0
        )
        return redirect("notifications")
    items = request.user.notifications.all()[:100]
    return render(request, "core/notifications.html", {"items": items})


def _safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return default
    return target


def otp_setup(request):
    """First login of a user who needs a second factor: show the key, confirm one code."""
    from django_otp import login as otp_login
    from django_otp import user_has_device

    if user_has_device(request.user):
        return redirect("otp_verify")
    device = services.totp_device_for_setup(user=request.user)
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            services.totp_device_confirm(device=device)
            otp_login(request, device)
            second_factor_forget(request.session)
            return redirect(_safe_next(request))
        error = _("That code is not right. Check the time on your phone and try again.")
    return render(
        request,
        "registration/otp_setup.html",
        {
            "secret": services.totp_secret_base32(device),
            "qr_svg": services.totp_qr_data_uri(device),
            "error": error,
            "next": _safe_next(request),
        },
    )


def otp_verify(request):
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        for device in devices_for_user(request.user):
            if device.verify_token(token):
                otp_login(request, device)
                second_factor_forget(request.session)
                return redirect(_safe_next(request))
        error = _("That code is not right, or it was already used.")
    return render(
        request, "registration/otp_verify.html", {"error": error, "next": _safe_next(request)}
    )


def api_tokens(request):
    """The user's own API tokens: create one (its key shown once), see when each was used,
    revoke any. Nobody else's tokens are shown, to anyone."""
    from django.contrib import messages
    from django.core.exceptions import ObjectDoesNotExist

    new_key = ""
    if request.method == "POST":
        if "revoke" in request.POST:
            try:
                services.api_token_revoke(user=request.user, token_id=request.POST["revoke"])
            except ObjectDoesNotExist:
                messages.error(request, _("No such token."))
            else:
                messages.success(request, _("The token is revoked."))
                return redirect("api_tokens")
        else:
            _token, new_key = services.api_token_create(
                user=request.user, name=request.POST.get("name", "").strip()
            )
    return render(
        request,
        "registration/api_tokens.html",
        {
            "tokens": request.user.api_tokens.all(),
            "new_key": new_key,
            "now": timezone.now(),
            "days": settings.API_TOKEN_DAYS,
        },
    )
