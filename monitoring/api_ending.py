"""REST API for the end of monitoring, the advice beside the grades and the missed-assessment
report (issue 16 items 3 and 4): the same services and selectors as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import ReadsPatients, can_review_missed_assessments
from core.roles import Role
from patients.api import as_drf_error
from patients.selectors import course_for_user, courses_visible_to

from . import ending_service, selectors
from .models import MonitoringEnd, MonitoringTask
from .wording import ending_reason_text


class MonitoringEndSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        help_text=_("The clinician's password, re-entered: the electronic signature."),
    )

    class Meta:
        model = MonitoringEnd
        fields = ["id", "course", "ended_at", "ended_by", "reason", "rule_summary", "password"]
        read_only_fields = ["ended_at", "ended_by", "rule_summary"]

    def validate_course(self, course):
        try:
            return course_for_user(self.context["request"].user, course.pk)
        except Exception:
            raise serializers.ValidationError(_("Invalid pk - object does not exist.")) from None

    def create(self, validated_data):
        try:
            return ending_service.monitoring_end(
                by=self.context["request"].user,
                course=validated_data["course"],
                reason=validated_data["reason"],
                password=validated_data["password"],
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class MonitoringEndViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Ends of monitoring. POST: a clinician ends a course's monitoring, signed with her
    password, when the rule allows it; the course moves to follow-up."""

    serializer_class = MonitoringEndSerializer
    permission_classes = [ReadsPatients]
    write_roles = frozenset({Role.CLINICIAN})
    ordering = ["-ended_at", "-id"]

    def get_queryset(self):
        return MonitoringEnd.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        )


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class AdviceSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    because = serializers.CharField()
    source = serializers.CharField()
    verified = serializers.BooleanField()
    detail = serializers.CharField()


class MonitoringStatusSerializer(serializers.Serializer):
    course = serializers.IntegerField()
    in_monitoring = serializers.BooleanField()
    may_end = serializers.BooleanField(allow_null=True)
    past_window = serializers.BooleanField(allow_null=True)
    reasons = ReasonSerializer(many=True)
    advice = AdviceSerializer(many=True)


class MonitoringStatusView(APIView):
    """May monitoring end or must it continue, and why; the management advice beside the
    current grades (advice only, the clinician decides)."""

    permission_classes = [ReadsPatients]

    @extend_schema(responses={200: MonitoringStatusSerializer})
    def get(self, request, pk):
        course = course_for_user(request.user, pk)
        in_monitoring = course.stage == "monitoring" and course.day0_date is not None
        decision = selectors.end_decision(course) if in_monitoring else None
        return Response(
            {
                "course": course.pk,
                "in_monitoring": in_monitoring,
                "may_end": decision.may_end if decision else None,
                "past_window": decision.past_window if decision else None,
                "reasons": [
                    {"code": r.code, "text": ending_reason_text(r.code, r.params)}
                    for r in (decision.reasons if decision else ())
                ],
                "advice": [
                    line.__dict__ for line in (selectors.advice_for(course) if decision else [])
                ],
            }
        )


class ReviewsMissed(permissions.BasePermission):
    message = "Only clinicians and auditors read the missed-assessment report."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS and can_review_missed_assessments(
            request.user
        )


class MissedTaskSerializer(serializers.ModelSerializer):
    mrn = serializers.CharField(source="course.patient.mrn", read_only=True)
    ward = serializers.CharField(source="course.patient.ward.code", read_only=True)
    # Plain text: the same TaskKind enum in a second component trips drf-spectacular's naming.
    kind = serializers.CharField(read_only=True, help_text=_('"vitals" or "neuro".'))

    class Meta:
        model = MonitoringTask
        fields = ["id", "course", "mrn", "ward", "kind", "due_at", "missed_at"]
        read_only_fields = fields


class MissedAssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Assessments closed as missed (not done before their shift ended): clinicians and
    auditors, on the patients they may see."""

    serializer_class = MissedTaskSerializer
    permission_classes = [ReviewsMissed]
    ordering = ["-due_at", "-id"]

    def get_queryset(self):
        return selectors.missed_tasks_for(self.request.user)
