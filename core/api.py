from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

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
