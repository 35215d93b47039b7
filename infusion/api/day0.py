"""Day 0 change endpoints."""

from rest_framework import mixins, serializers

from .. import services
from ..models import (
    Day0Change,
)
from .common import CLINICIAN, CourseFilter, VisibleCourseField, _ByCourse, _call


class Day0ChangeSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = Day0Change
        fields = [
            "id",
            "course",
            "old_date",
            "new_date",
            "reason",
            "doses_moved",
            "changed_by",
            "changed_at",
        ]
        read_only_fields = ["old_date", "doses_moved", "changed_by", "changed_at"]

    def create(self, data):
        return _call(services.day0_change, by=self.context["request"].user, **data)


class Day0Filter(CourseFilter):
    class Meta:
        model = Day0Change
        fields = ["course"]


class Day0ChangeViewSet(mixins.CreateModelMixin, _ByCourse):
    """Plan or move Day 0: what has not been given moves with it."""

    serializer_class = Day0ChangeSerializer
    filterset_class = Day0Filter
    write_roles = CLINICIAN
    model = Day0Change
    ordering = ["-changed_at", "-id"]
