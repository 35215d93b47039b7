"""REST endpoints for MDT decisions."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.filters import CourseRecordFilter
from core.permissions import ReadsPatients
from eligibility import selectors, services
from eligibility.models import (
    Decision,
    MdtDecision,
)
from eligibility.text import snapshot_reason_text
from patients.api import as_drf_error
from patients.models import TreatmentCourse

from .screening import _visible_course

# --- MDT decisions --------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentCourse.objects.select_related("patient")
    )
    decided_by = serializers.StringRelatedField()
    decided_on = serializers.DateField(required=False, help_text=_("Default: today."))
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        help_text=_("The clinician's password again: the decision is signed electronically."),
    )

    class Meta:
        model = MdtDecision
        fields = [
            "id",
            "course",
            "assessment",
            "decision",
            "decided_on",
            "justification",
            "attendees",
            "rule_result",
            "criteria_snapshot",
            "decided_by",
            "recorded_at",
            "password",
        ]
        read_only_fields = ["assessment", "rule_result", "criteria_snapshot", "recorded_at"]

    def validate_course(self, course):
        return _visible_course(self, course)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # "reason" stays the record's English; "reason_shown" is it in the reader's language.
        data["criteria_snapshot"] = [
            {**entry, "reason_shown": snapshot_reason_text(entry)}
            for entry in data.get("criteria_snapshot") or []
        ]
        return data

    def create(self, validated_data):
        try:
            return services.decision_record(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class DecisionFilter(CourseRecordFilter):
    decision = filters.ChoiceFilter(choices=Decision.choices)

    class Meta:
        model = MdtDecision
        fields = ["course", "decision"]


class DecisionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """MDT decisions. Approve moves the course to eligible, decline to not eligible."""

    serializer_class = DecisionSerializer
    permission_classes = [ReadsPatients]
    filterset_class = DecisionFilter
    queryset = MdtDecision.objects.none()
    ordering = ["-recorded_at", "-id"]

    def get_queryset(self):
        return selectors.decisions_visible_to(self.request.user)
