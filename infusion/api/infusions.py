"""Infusion record endpoints."""

from rest_framework import mixins, serializers

from .. import services
from ..models import (
    InfusionRecord,
)
from .common import NURSE, CourseFilter, VisibleCourseField, _ByCourse, _call


class InfusionRecordSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = InfusionRecord
        fields = [
            "id",
            "course",
            "gate_review",
            "started_at",
            "ended_at",
            "bags_infused",
            "bags_reason",
            "dose_cells_10e6",
            "reactions",
            "temperature_c",
            "heart_rate_bpm",
            "systolic_bp_mmhg",
            "diastolic_bp_mmhg",
            "spo2_percent",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["gate_review", "recorded_by", "recorded_at"]

    def create(self, data):
        return _call(services.infusion_record, by=self.context["request"].user, **data)


class InfusionFilter(CourseFilter):
    class Meta:
        model = InfusionRecord
        fields = ["course"]


class InfusionViewSet(mixins.CreateModelMixin, _ByCourse):
    """The infusion: refused unless today's gate passed; fixes Day 0, starts monitoring."""

    serializer_class = InfusionRecordSerializer
    filterset_class = InfusionFilter
    write_roles = NURSE
    model = InfusionRecord
    ordering = ["-started_at"]
