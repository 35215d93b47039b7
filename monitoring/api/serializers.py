"""Serializers of the monitoring API: assessments, interventions, labs, tasks, escalations."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api_units import MeasuredUnitsMixin
from core.models import Ward
from patients.api import as_drf_error
from patients.selectors import course_for_user

from .. import services
from ..models import (
    Assessment,
    CerebralEdema,
    Consciousness,
    Escalation,
    Intervention,
    LabResult,
    MonitoringTask,
    MotorWeakness,
    OxygenDevice,
    Seizure,
    Vasopressor,
)


class FindingSerializer(serializers.Serializer):
    """A grade reason as a code with parameters (monitoring/texts.py has the wording)."""

    code = serializers.CharField()
    params = serializers.DictField()


class AssessmentSerializer(MeasuredUnitsMixin, serializers.ModelSerializer):
    # °C or °F; an impossible temperature gets the clinical message, as on the bedside form
    # ("Temperature 372 °C is not possible — did you mean 37.2?"), never a digit count.
    measured_fields = {"temperature_c": ("temperature", 1)}
    always_checked = frozenset({"temperature_c"})
    vasopressors = serializers.ListField(
        child=serializers.ChoiceField(choices=Vasopressor.choices), required=False
    )
    escalated = serializers.SerializerMethodField()
    vitals_note = serializers.CharField(
        read_only=True,
        help_text=_("Where the measured vital signs overrode the boxes, and why (worded)."),
    )
    # crs_reason/icans_reason stay English (as the exports); these are the same reasons in the
    # request's language (Accept-Language), and as codes for systems that word them themselves.
    crs_reason_text = serializers.CharField(
        read_only=True, help_text=_("The CRS grade reason in the language of the request.")
    )
    crs_findings = FindingSerializer(
        many=True, read_only=True, help_text=_("The CRS grade reasons as codes with parameters.")
    )
    icans_reason_text = serializers.CharField(
        read_only=True, help_text=_("The ICANS grade reason in the language of the request.")
    )
    icans_findings = FindingSerializer(
        many=True, read_only=True, help_text=_("The ICANS grade reasons as codes with parameters.")
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "course",
            "assessed_at",
            "temperature_c",
            "units",
            "heart_rate_bpm",
            "systolic_bp_mmhg",
            "diastolic_bp_mmhg",
            "spo2_percent",
            "respiratory_rate_per_min",
            "oxygen_device",
            "oxygen_flow_l_min",
            "hypotension",
            "vasopressors",
            "fever_masked",
            "neuro_assessed",
            "ice_orientation",
            "ice_naming",
            "ice_commands",
            "ice_writing",
            "ice_attention",
            "ice_score",
            "capd_score",
            "consciousness",
            "seizure",
            "motor_weakness",
            "cerebral_edema",
            "notes",
            "crs_grade",
            "crs_reason",
            "crs_reason_text",
            "crs_findings",
            "vitals_findings",
            "vitals_note",
            "icans_grade",
            "icans_reason",
            "icans_reason_text",
            "icans_findings",
            "recorded_by",
            "recorded_at",
            "escalated",
        ]
        read_only_fields = [
            "ice_score",
            "crs_grade",
            "crs_reason",
            "vitals_findings",
            "icans_grade",
            "icans_reason",
            "recorded_by",
            "recorded_at",
        ]

    def get_escalated(self, assessment) -> bool:
        return Escalation.objects.filter(assessment=assessment).exists()

    def validate_course(self, course):
        try:
            return course_for_user(self.context["request"].user, course.pk)
        except Exception:
            raise serializers.ValidationError(_("Invalid pk - object does not exist.")) from None

    def create(self, validated_data):
        course = validated_data.pop("course")
        assessed_at = validated_data.pop("assessed_at")
        try:
            return services.assessment_record(
                by=self.context["request"].user,
                course=course,
                assessed_at=assessed_at,
                **validated_data,
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class InterventionSerializer(serializers.ModelSerializer):
    to_ward = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Ward.objects.filter(active=True),
        required=False,
        write_only=True,
        help_text=_("ICU transfer or return: the ward code the patient moves to."),
    )

    class Meta:
        model = Intervention
        fields = [
            "id",
            "course",
            "assessment",
            "kind",
            "given_at",
            "drug",
            "dose_mg",
            "route",
            "notes",
            "to_ward",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at"]
        extra_kwargs = {"dose_mg": {"help_text": _("Tocilizumab: omit to give the label dose.")}}

    validate_course = AssessmentSerializer.validate_course

    def create(self, validated_data):
        course = validated_data.pop("course")
        try:
            return services.intervention_record(
                by=self.context["request"].user, course=course, **validated_data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class LabResultSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("UCUM unit of the value sent; omitted means the test's own unit."),
    )
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = LabResult
        fields = [
            "id",
            "course",
            "analyte",
            "value",
            "unit",
            "measured_at",
            "source",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["source", "recorded_by", "recorded_at"]

    validate_course = AssessmentSerializer.validate_course

    def create(self, validated_data):
        try:
            return services.lab_result_record(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class TaskSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringTask
        fields = ["id", "course", "kind", "due_at", "overdue", "taken_by", "taken_at", "done_at"]
        read_only_fields = fields

    def get_overdue(self, task) -> bool:
        return task.state == "open" and task.due_at < timezone.now()


class EscalationSerializer(serializers.ModelSerializer):
    reason = serializers.SerializerMethodField(
        help_text=_("Why it was raised, in the request's language (Accept-Language).")
    )
    reason_codes = serializers.JSONField(
        read_only=True,
        help_text=_("The same reasons as codes with parameters (a list)."),
    )

    class Meta:
        model = Escalation
        fields = [
            "id",
            "course",
            "assessment",
            "reason",
            "reason_codes",
            "created_at",
            "notified_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_note",
        ]
        read_only_fields = fields

    def get_reason(self, escalation) -> str:
        return escalation.reason_shown


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class GradePreviewSerializer(serializers.Serializer):
    """The grading inputs of the ASTCT interface (monitoring/grading.py)."""

    age_years = serializers.IntegerField(min_value=0, max_value=130)
    temperature_c = serializers.FloatField()
    fever_masked = serializers.BooleanField(default=False)
    hypotension = serializers.BooleanField(default=False)
    # Measured values: hypotension and hypoxia are derived from them too (monitoring/vitals.py).
    systolic_bp_mmhg = serializers.IntegerField(
        required=False, allow_null=True, min_value=30, max_value=260
    )
    diastolic_bp_mmhg = serializers.IntegerField(
        required=False, allow_null=True, min_value=10, max_value=160
    )
    spo2_percent = serializers.IntegerField(
        required=False, allow_null=True, min_value=50, max_value=100
    )
    vasopressors = serializers.ListField(
        child=serializers.ChoiceField(choices=Vasopressor.choices), required=False, default=list
    )
    oxygen_device = serializers.ChoiceField(choices=OxygenDevice.choices, default="room_air")
    oxygen_flow_l_min = serializers.FloatField(required=False, allow_null=True, default=None)
    neuro_assessed = serializers.BooleanField(default=False)
    ice_orientation = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=4
    )
    ice_naming = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=3)
    ice_commands = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1
    )
    ice_writing = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1
    )
    ice_attention = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=1
    )
    capd_score = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=32
    )
    consciousness = serializers.ChoiceField(choices=Consciousness.choices, required=False)
    seizure = serializers.ChoiceField(choices=Seizure.choices, default="none")
    motor_weakness = serializers.ChoiceField(choices=MotorWeakness.choices, default="none")
    cerebral_edema = serializers.ChoiceField(choices=CerebralEdema.choices, default="none")


class GradeResultSerializer(serializers.Serializer):
    crs_grade = serializers.IntegerField()
    crs_reasons = serializers.ListField(
        child=serializers.CharField(), help_text=_("The CRS grade reasons in English.")
    )
    crs_reason_text = serializers.CharField(
        help_text=_("The CRS grade reason in the language of the request.")
    )
    crs_findings = FindingSerializer(many=True)
    vitals_note = serializers.CharField()
    icans_grade = serializers.IntegerField(allow_null=True)
    icans_reasons = serializers.ListField(
        child=serializers.CharField(), help_text=_("The ICANS grade reasons in English.")
    )
    icans_reason_text = serializers.CharField(
        help_text=_("The ICANS grade reason in the language of the request.")
    )
    icans_findings = FindingSerializer(many=True)
    ice_score = serializers.IntegerField(allow_null=True)
