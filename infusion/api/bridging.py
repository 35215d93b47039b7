"""Bridging therapy endpoints."""

from rest_framework import mixins, serializers

from .. import services
from ..models import (
    BridgingTherapy,
)
from .common import CLINICIAN, CourseFilter, VisibleCourseField, _ByCourse, _call


class BridgingTherapySerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = BridgingTherapy
        fields = [
            "id",
            "course",
            "regimen",
            "started_on",
            "ended_on",
            "response",
            "notes",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at"]

    def create(self, data):
        return _call(services.bridging_record, by=self.context["request"].user, **data)


class BridgingFilter(CourseFilter):
    class Meta:
        model = BridgingTherapy
        fields = ["course"]


class BridgingViewSet(mixins.CreateModelMixin, _ByCourse):
    """Bridging therapy between collection and lymphodepletion (clinicians write)."""

    serializer_class = BridgingTherapySerializer
    filterset_class = BridgingFilter
    write_roles = CLINICIAN
    model = BridgingTherapy
    ordering = ["started_on", "id"]
