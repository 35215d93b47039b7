from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, ValidationError

# Parameters that the API's own machinery reads; any other parameter must be a declared
# filter, so a misspelt filter is refused instead of silently returning everything.
GENERIC_PARAMETERS = frozenset({"page", "page_size", "search", "ordering", "format"})


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
    return drf_exception_handler(exc, context)


class SecondFactorAwareTokenAuthentication(TokenAuthentication):
    """Token authentication, except for users who must use a second factor: a token alone
    would let them skip it, so they use the API through their verified browser session."""

    def authenticate_credentials(self, key):
        from .middleware import needs_second_factor

        user, token = super().authenticate_credentials(key)
        if needs_second_factor(user):
            raise AuthenticationFailed(
                "This account needs a second factor: use the API from a verified session."
            )
        return user, token
