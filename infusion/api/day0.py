"""Day 0 change and Day 0 correction endpoints."""

from rest_framework import mixins, serializers

from .. import services
from ..models import (
    Day0Change,
    Day0Correction,
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


class Day0CorrectionSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()
    password = serializers.CharField(
        write_only=True, required=False, default="", style={"input_type": "password"}
    )

    class Meta:
        model = Day0Correction
        fields = [
            "id",
            "course",
            "old_day0_date",
            "new_day0_date",
            "reason",
            "password",
            "corrected_by",
            "corrected_at",
        ]
        read_only_fields = ["old_day0_date", "corrected_by", "corrected_at"]

    def create(self, data):
        return _call(services.day0_correct, by=self.context["request"].user, **data)


class Day0CorrectionFilter(CourseFilter):
    class Meta:
        model = Day0Correction
        fields = ["course"]


class Day0CorrectionViewSet(mixins.CreateModelMixin, _ByCourse):
    """Correct a recorded Day 0 that was entered wrong, signed with the password: the
    infusion record, the course's Day 0 and the follow-up visits not yet done move."""

    serializer_class = Day0CorrectionSerializer
    filterset_class = Day0CorrectionFilter
    write_roles = CLINICIAN
    model = Day0Correction
    ordering = ["-corrected_at", "-id"]
