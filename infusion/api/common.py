"""What every infusion endpoint shares: the write roles, the service call, course filters."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, viewsets

from core.filters import CourseRecordFilter
from core.permissions import BEDSIDE_ROLES, ReadsPatients
from core.roles import Role
from patients.api import VisibleCourseField, as_drf_error  # noqa: F401  (re-exported)
from patients.selectors import courses_visible_to

CLINICIAN = frozenset({Role.CLINICIAN})
PHARMACIST = frozenset({Role.PHARMACIST})
NURSE = frozenset({Role.NURSE})
BEDSIDE = frozenset(BEDSIDE_ROLES)


def _call(function, **kwargs):
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


CourseFilter = CourseRecordFilter  # the shared course filter, under infusion's old name


class _ByCourse(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ReadsPatients]
    filterset_class = None
    model = None

    def get_queryset(self):
        return self.model.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        )
