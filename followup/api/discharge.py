"""Follow-up API: discharge records, and the course field and filter the others share."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from core.filters import CourseRecordFilter
from core.permissions import ReadsPatients
from core.versioning import StaleEditError
from patients.api import VisibleCourseField, as_drf_error
from patients.selectors import courses_visible_to

from .. import selectors, services
from ..models import (
    Discharge,
)

# --- Discharge ---------------------------------------------------------------------------


class DischargeSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()
    recorded_by = serializers.StringRelatedField()
    version = serializers.IntegerField(
        required=False,
        help_text=_("Required on update: the version you read. A stale version is refused."),
    )

    class Meta:
        model = Discharge
        fields = [
            "id",
            "course",
            *services.DISCHARGE_FIELDS,
            "stay_near_centre_days",
            "no_driving_days",
            "stay_near_centre_until",
            "no_driving_until",
            "restriction_source",
            "recorded_by",
            "recorded_at",
            "version",
        ]
        read_only_fields = [
            "stay_near_centre_days",
            "no_driving_days",
            "stay_near_centre_until",
            "no_driving_until",
            "restriction_source",
            "recorded_at",
        ]

    def validate(self, attrs):
        if self.instance is not None:
            if "version" not in attrs:
                raise ValidationError({"version": [_("Send the version you read to update.")]})
            if attrs.get("course", self.instance.course) != self.instance.course:
                raise ValidationError({"course": [_("A discharge cannot move to another course.")]})
        elif Discharge.objects.filter(course=attrs["course"]).exists():
            raise ValidationError(
                {"course": [_("A discharge is already recorded for this course; update it.")]}
            )
        return attrs

    def _save(self, course, expected_version, data):
        fields = {k: v for k, v in data.items() if k in services.DISCHARGE_FIELDS}
        try:
            return services.discharge_record(
                by=self.context["request"].user,
                course=course,
                expected_version=expected_version,
                **fields,
            )
        except StaleEditError as error:
            raise ValidationError({"version": error.messages}) from None
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def create(self, validated_data):
        return self._save(validated_data["course"], None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance.course, validated_data["version"], validated_data)


class CourseFilter(CourseRecordFilter):
    patient = filters.NumberFilter(field_name="course__patient_id")


class DischargeFilter(CourseFilter):
    class Meta:
        model = Discharge
        fields = ["course", "patient"]


class DischargeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Discharge records; restriction end dates are set from the product's policy."""

    serializer_class = DischargeSerializer
    permission_classes = [ReadsPatients]
    write_roles = selectors.FOLLOWUP_RECORDERS
    filterset_class = DischargeFilter
    ordering_fields = ["discharge_date"]
    ordering = ["-discharge_date", "-id"]

    def get_queryset(self):
        return Discharge.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("recorded_by")
