"""REST endpoints for the catalogue's label data, screening, MDT decisions and consent.

Same rules as the pages: patient readers read (nurses only their wards' courses), clinicians
write, through the services. A course the user may not see does not exist for them.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser

from core.api_units import MeasuredUnitsMixin
from core.files import protected_file_response
from core.models import User
from core.parsers import DepthLimitedJSONParser
from core.permissions import ReadsPatients
from patients.api import as_drf_error
from patients.models import CarTProduct, Stage, TreatmentCourse
from patients.selectors import user_can_see_patient
from patients.services import StaleEditError

from . import selectors, services, text
from .forms import MEASURED_LABS
from .models import (
    CONSENT_ITEMS,
    LAB_FIELDS,
    ConsentRecord,
    Decision,
    DrugClass,
    MdtDecision,
    PriorLine,
    ProductIndication,
    ProductLabel,
    RuleResult,
    ScreeningAssessment,
    Threshold,
    WashoutTherapy,
)

# --- Catalogue ------------------------------------------------------------------------------


class ProductLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLabel
        fields = [
            "monitoring_window_days",
            "proximity_restriction_weeks",
            "driving_restriction_weeks",
            "source",
            "verified",
        ]


class ProductIndicationSerializer(serializers.ModelSerializer):
    required_prior_drug_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=DrugClass.choices)
    )

    class Meta:
        model = ProductIndication
        fields = [
            "id",
            "diagnosis",
            "description",
            "min_prior_lines",
            "first_line_relapse_within_months",
            "post_transplant_rule",
            "min_age_years",
            "max_age_years",
            "ecog_max",
            "required_prior_drug_classes",
            "requires_lenalidomide_refractory",
            "requires_refractory_or_second_relapse",
            "last_line_relapse_within_months",
            "first_line_required_drug_classes",
            "dose_text",
            "lymphodepletion_regimen_key",
            "source",
            "verified",
        ]


class CatalogueProductSerializer(serializers.ModelSerializer):
    label = ProductLabelSerializer(read_only=True, allow_null=True)
    indications = serializers.SerializerMethodField()

    class Meta:
        model = CarTProduct
        fields = [
            "code",
            "short_name",
            "name",
            "target_antigen",
            "manufacturer",
            "label",
            "indications",
        ]

    @extend_schema_field(ProductIndicationSerializer(many=True))
    def get_indications(self, product):
        return ProductIndicationSerializer(selectors.active_indications(product), many=True).data


class ThresholdSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="get_key_display", read_only=True)

    class Meta:
        model = Threshold
        fields = ["key", "description", "value", "unit", "source", "verified"]


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """Products with their label data and indications (edited by administrators)."""

    serializer_class = CatalogueProductSerializer
    queryset = (
        CarTProduct.objects.filter(active=True)
        .select_related("label")
        .prefetch_related("indications")
        .order_by("short_name")
    )
    lookup_field = "code"


class ThresholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Eligibility, risk, CAR-HEMATOTOX and washout thresholds (institutional defaults)."""

    serializer_class = ThresholdSerializer
    queryset = Threshold.objects.order_by("key")
    lookup_field = "key"


# --- Evaluation (read-only) -----------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "not_met", "missing"])
    reason = serializers.CharField()
    unverified = serializers.BooleanField()


class RiskSignalSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    present = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField()


class HematotoxComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class HematotoxSerializer(serializers.Serializer):
    score = serializers.IntegerField(allow_null=True)
    points_counted = serializers.IntegerField()
    group = serializers.ChoiceField(choices=["low", "high"], allow_null=True)
    high_risk_min = serializers.IntegerField()
    components = HematotoxComponentSerializer(many=True)


class WashoutCheckSerializer(serializers.Serializer):
    therapy_class = serializers.CharField()
    last_dose_date = serializers.DateField()
    min_days = serializers.IntegerField(allow_null=True)
    clear_on = serializers.DateField(allow_null=True)


class EvaluationSerializer(serializers.Serializer):
    rule_result = serializers.ChoiceField(choices=RuleResult.choices)
    indication = serializers.CharField(allow_null=True)
    criteria = CriterionSerializer(many=True)
    risk_signals = RiskSignalSerializer(many=True)
    hematotox = HematotoxSerializer()
    washouts = WashoutCheckSerializer(many=True)
    earliest_apheresis_date = serializers.DateField(allow_null=True)


def evaluation_data(assessment: ScreeningAssessment, table=None) -> dict:
    evaluation = selectors.evaluate(assessment, threshold_table=table)
    hematotox = evaluation.risks.hematotox
    data = {
        "rule_result": evaluation.result.overall,
        "indication": evaluation.result.indication.description
        if evaluation.result.indication
        else None,
        "criteria": [
            {k: row[k] for k in ("key", "label", "status", "reason", "unverified")}
            for row in text.criterion_rows(evaluation.result, evaluation.thresholds)
        ],
        "risk_signals": [
            {k: row[k] for k in ("key", "label", "present", "reason")}
            for row in text.signal_rows(evaluation.risks, evaluation.thresholds)
        ],
        "hematotox": {
            "score": hematotox.score,
            "points_counted": hematotox.points_counted,
            "group": hematotox.group,
            "high_risk_min": hematotox.high_risk_min,
            "components": [
                {"key": c.key, "points": c.points, "reason": c.reason} for c in hematotox.components
            ],
        },
        "washouts": [
            {
                "therapy_class": c.therapy.therapy_class,
                "last_dose_date": c.therapy.last_dose_date,
                "min_days": c.min_days,
                "clear_on": c.clear_on,
            }
            for c in evaluation.washouts
        ],
        "earliest_apheresis_date": evaluation.earliest_apheresis,
    }
    return EvaluationSerializer(data).data


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


class ScreeningFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="course_id")
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
        context["thresholds"] = selectors.thresholds()
        return context


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

    def create(self, validated_data):
        try:
            return services.decision_record(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class DecisionFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="course_id")
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


# --- Consent --------------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentCourse.objects.select_related("patient")
    )
    explained_by = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    document = serializers.FileField(
        write_only=True, help_text=_("PDF, JPEG or PNG, at most 10 MB.")
    )
    document_url = serializers.SerializerMethodField()
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "course",
            "consented_on",
            "explained_by",
            *CONSENT_ITEMS,
            "document",
            "document_name",
            "document_url",
            "notes",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["document_name", "recorded_at"]
        # The service names each item left unexplained; the model's constraint is not
        # turned into a generic serializer error.
        validators = []

    def validate_course(self, course):
        return _visible_course(self, course)

    def get_document_url(self, consent) -> str:
        return reverse("eligibility-consent-document", kwargs={"pk": consent.pk})

    def create(self, validated_data):
        try:
            return services.consent_record(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class ConsentFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="course_id")

    class Meta:
        model = ConsentRecord
        fields = ["course"]


class ConsentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Informed consent records (multipart upload of the signed document)."""

    serializer_class = ConsentSerializer
    permission_classes = [ReadsPatients]
    filterset_class = ConsentFilter
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]
    queryset = ConsentRecord.objects.none()
    ordering = ["-consented_on", "-id"]

    def get_queryset(self):
        return selectors.consents_visible_to(self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="document", url_name="document")
    def document(self, request, pk=None):
        """The signed consent document."""
        consent = self.get_object()
        return protected_file_response(
            request,
            name=consent.document.name,
            download_name=consent.document_name or consent.document.name.rsplit("/", 1)[-1],
        )
