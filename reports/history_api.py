"""The chart history in the API: the same rows, filters and access as the pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.permissions import can_read_patients
from patients.selectors import course_for_user, patient_for_user

from .history_views import HistoryFilterForm
from .record_history import chart_history


class ChartReaders(permissions.BasePermission):
    message = "Only staff who read patients' charts see their history."

    def has_permission(self, request, view):
        return can_read_patients(request.user) and request.method in permissions.SAFE_METHODS


class HistoryRowSerializer(serializers.Serializer):
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField()
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    record_type = serializers.CharField(help_text="The record's name in the reader's language.")
    record_key = serializers.CharField(help_text="app_label.model, as the record filter takes.")
    record_id = serializers.IntegerField()
    field = serializers.CharField(help_text="Empty for a version with no visible change.")
    old = serializers.CharField()
    new = serializers.CharField()
    reason = serializers.CharField()


FILTERS = [
    OpenApiParameter("record", OpenApiTypes.STR, description="app_label.model"),
    OpenApiParameter("user", OpenApiTypes.STR, description="user name of who changed it"),
    OpenApiParameter("field", OpenApiTypes.STR, description="part of the field's name"),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
]


class _ChartHistoryView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, ChartReaders]
    serializer_class = HistoryRowSerializer
    filter_backends: list = []

    def _rows(self, patient, course=None):
        params = {k: v for k, v in self.request.query_params.items() if k != "page"}
        form = HistoryFilterForm(params)
        unknown = set(params) - set(form.fields)
        if unknown:
            raise ValidationError({name: ["Unknown filter."] for name in sorted(unknown)})
        if params and not form.is_valid():
            raise ValidationError(form.errors)
        rows = chart_history(patient, course=course, **form.query())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PatientHistoryView(_ChartHistoryView):
    @extend_schema(parameters=FILTERS, summary="Every change to one patient's chart")
    def get(self, request, pk: int) -> Response:
        return self._rows(patient_for_user(request.user, pk))


class CourseHistoryView(_ChartHistoryView):
    @extend_schema(parameters=FILTERS, summary="Every change to one course's records")
    def get(self, request, pk: int) -> Response:
        course = course_for_user(request.user, pk)
        return self._rows(course.patient, course)
