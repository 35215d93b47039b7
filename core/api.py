from datetime import timedelta

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, ValidationError

# Parameters that the API's own machinery reads; any other parameter must be a declared
# filter, so a misspelt filter is refused instead of silently returning everything.
GENERIC_PARAMETERS = frozenset({"page", "page_size", "search", "ordering", "format"})
LAST_USED_RESOLUTION = timedelta(hours=1)


class StrictDjangoFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        known = set(GENERIC_PARAMETERS)
        if filterset is not None:
            known |= set(filterset.form.fields)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationError(
                {
                    name: ["Unknown filter parameter; allowed: " + ", ".join(sorted(known))]
                    for name in unknown
                }
            )
        return filterset


def _out_of_range(exc) -> bool:
    from django.db import DataError

    return isinstance(exc, OverflowError) or (
        isinstance(exc, DataError) and "out of range" in str(exc)
    )


def exception_handler(exc, context):
    """DRF's handler, plus: a number too large for the database is the client's error."""
    from rest_framework.views import exception_handler as drf_exception_handler

    if _out_of_range(exc):
        exc = ValidationError({"detail": ["A number in the request is out of range."]})
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        _clinical_number_messages(exc, context)
    return drf_exception_handler(exc, context)


def _clinical_number_messages(exc, context) -> None:
    """A number field's errors in clinical words (core/clinical_numbers.py), read from the
    view's serializer: "Weight must be between 2 and 350 kg.", not digit counts."""
    from .clinical_numbers import api_number_messages

    view = context.get("view")
    if view is None or not hasattr(view, "get_serializer"):
        return
    try:
        serializer = view.get_serializer()
    except Exception:  # a view whose serializer needs what this request lacks
        return
    api_number_messages(exc.detail, serializer)


class SecondFactorAwareTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` against the hashed, expiring tokens of ``ApiToken``.

    A token alone is never a second factor: users who need one are refused here with the same
    predicate that guards pages and sessions, and use the API through their verified session.
    """

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode()
        except UnicodeError as error:
            raise AuthenticationFailed(_("Invalid token header.")) from error
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key):
        from django.utils import timezone
        from django.utils.crypto import constant_time_compare

        from .models import ApiToken
        from .second_factor import second_factor_satisfied
        from .services import api_token_digest

        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=api_token_digest(key), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if (
            token is None
            or token.expires_at <= now
            or not token.user.is_active
            or not constant_time_compare(token.password_stamp, token.user.get_session_auth_hash())
        ):
            raise AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not second_factor_satisfied(token.user, session=None):
            raise AuthenticationFailed(
                _("This account needs a second factor: use the API from a verified session.")
            )
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            # Shown on the user's token page; once an hour is precise enough, and saves a
            # write per request.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
