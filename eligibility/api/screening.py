"""REST endpoints for screening assessments, their prior lines and recent therapies."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from catalogue import selectors as catalogue_selectors
from catalogue.models import DrugClass
from core.api_units import MeasuredUnitsMixin
from core.filters import CourseRecordFilter
from core.permissions import ReadsPatients
from core.versioning import StaleEditError
from eligibility import selectors, services
from eligibility.forms import MEASURED_LABS
from eligibility.models import (
    LAB_FIELDS,
    PriorLine,
    ScreeningAssessment,
    WashoutTherapy,
)
from patients.api import as_drf_error
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

from .evaluation import EvaluationSerializer, evaluation_data

# --- Screening ------------------------------------------------------------------------------


class ScreeningRowSerializer(serializers.ModelSerializer):
    """A row of a screening section. Rows sent with their id change that row, rows sent
    without one are added, rows not sent are kept; a row is removed only when sent with its
    id and ``delete: true``."""

    id = serializers.IntegerField(
        required=False, help_text=_("The recorded row to change; leave out to add a row.")
    )
    delete = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text=_("With an id: remove this row (kept in the history)."),
    )

    def to_internal_value(self, data):
        # A removal needs nothing but the id; any other row is checked field by field.
        if isinstance(data, dict) and data.get("delete") is True:
            row_id = serializers.IntegerField().run_validation(data.get("id"))
            return {"id": row_id, "delete": True}
        return super().to_internal_value(data)


class PriorLineSerializer(ScreeningRowSerializer):
    drug_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=DrugClass.choices), required=False, default=list
    )

    class Meta:
        model = PriorLine
        fields = ["id", *services.PRIOR_LINE_FIELDS, "delete"]


class WashoutTherapySerializer(ScreeningRowSerializer):
    class Meta:
        model = WashoutTherapy
        fields = ["id", *services.WASHOUT_FIELDS, "delete"]


def _visible_course(serializer, course):
    # A course the user may not see is reported as not existing, as on the pages.
    if not user_can_see_patient(serializer.context["request"].user, course.patient):
        raise ValidationError(_("Invalid pk - object does not exist."))
    return course


class ScreeningSerializer(MeasuredUnitsMixin, serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentCourse.objects.select_related("patient"),
        help_text=_("Given on creation only."),
    )
    stage = serializers.CharField(source="course.stage", read_only=True)
    prior_lines = PriorLineSerializer(many=True, required=False)
    washout_therapies = WashoutTherapySerializer(many=True, required=False)
    version = serializers.IntegerField(
        required=False,
        help_text=_("Required on update: the version you read. A stale version is refused."),
    )
    updated_by = serializers.StringRelatedField()
    evaluation = serializers.SerializerMethodField()
    measured_fields = MEASURED_LABS

    class Meta:
        model = ScreeningAssessment
        fields = [
            "id",
            "course",
            "stage",
            *services.SCREENING_FIELDS,
            "prior_lines",
            "washout_therapies",
            "version",
            "units",
            "updated_by",
            "updated_at",
            "evaluation",
            "lab_sources",
        ]
        read_only_fields = ["updated_at", "lab_sources"]
        # The same words as the pages for out-of-range values.
        extra_kwargs = {
            "assessed_on": {"required": False},
            "ecog": {
                "error_messages": {
                    "min_value": _("ECOG runs from 0 to 4."),
                    "max_value": _("ECOG runs from 0 to 4."),
                }
            },
            **{
                name: {
                    "error_messages": {
                        "min_value": _("This value cannot be negative.")
                        if low == "0"
                        else _("This value must be at least {min_value}."),
                        "max_value": _("Above {max_value}: check the value and its unit."),
                    }
                }
                for name, (low, _high) in LAB_FIELDS.items()
            },
        }

    def validate_course(self, course):
        if self.instance is not None and course.pk != self.instance.course_id:
            raise ValidationError(_("A screening cannot move to another course."))
        return _visible_course(self, course)

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise ValidationError({"version": [_("Send the version you read to update.")]})
        return attrs

    @extend_schema_field(EvaluationSerializer)
    def get_evaluation(self, assessment):
        return evaluation_data(assessment, self.context.get("thresholds"))

    def _save(self, assessment, validated_data, version):
        fields = {k: v for k, v in validated_data.items() if k in services.SCREENING_FIELDS}
        lines = validated_data.get("prior_lines")
        washouts = validated_data.get("washout_therapies")
        try:
            services.screening_update(
                by=self.context["request"].user,
                assessment=assessment,
                expected_version=version,
                fields=fields,
                prior_lines=[dict(row) for row in lines] if lines is not None else None,
                washout_therapies=[dict(row) for row in washouts] if washouts is not None else None,
            )
        except StaleEditError as error:
            raise ValidationError({"version": error.messages}) from None
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def create(self, validated_data):
        course = validated_data.pop("course")
        validated_data.pop("version", None)
        try:
            assessment = services.screening_start(by=self.context["request"].user, course=course)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        if validated_data:
            self._save(assessment, validated_data, assessment.version)
        return selectors.screening_for_course(course)

    def update(self, instance, validated_data):
        validated_data.pop("course", None)
        version = validated_data.pop("version")
        self._save(instance, validated_data, version)
        return selectors.screening_for_course(instance.course)


class ScreeningFilter(CourseRecordFilter):
    stage = filters.ChoiceFilter(field_name="course__stage", choices=Stage.choices)
    product = filters.CharFilter(field_name="course__product__code")

    class Meta:
        model = ScreeningAssessment
        fields = ["course", "stage", "product"]


class ScreeningViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Screening assessments with their rule result and risk panel (`evaluation`).

    POST with a course starts the screening (moving a referred course to screening); PATCH
    with the version you read saves part or all of it. Lists sent replace the recorded rows.
    """

    serializer_class = ScreeningSerializer
    permission_classes = [ReadsPatients]
    filterset_class = ScreeningFilter
    queryset = ScreeningAssessment.objects.none()
    ordering_fields = ["assessed_on", "updated_at"]
    ordering = ["-assessed_on", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.screenings_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["thresholds"] = catalogue_selectors.thresholds()
        return context
