"""Filters and viewsets of the monitoring API; every write goes through monitoring.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core import system_text
from core.filters import CourseRecordFilter
from core.permissions import BEDSIDE_ROLES, ReadsPatients
from core.roles import PATIENT_READERS, Role
from patients.api import as_drf_error
from patients.selectors import courses_visible_to

from .. import services
from ..models import (
    Assessment,
    Escalation,
    Intervention,
    LabResult,
    MonitoringTask,
    TaskKind,
)
from ..wording import vitals_findings_text
from .serializers import (
    AcknowledgeSerializer,
    AssessmentSerializer,
    EscalationSerializer,
    GradePreviewSerializer,
    GradeResultSerializer,
    InterventionSerializer,
    LabResultSerializer,
    TaskSerializer,
)

BEDSIDE = frozenset(BEDSIDE_ROLES)


class AssessmentFilter(CourseRecordFilter):
    assessed_after = filters.IsoDateTimeFilter(field_name="assessed_at", lookup_expr="gte")
    assessed_before = filters.IsoDateTimeFilter(field_name="assessed_at", lookup_expr="lt")
    min_crs_grade = filters.NumberFilter(field_name="crs_grade", lookup_expr="gte")

    class Meta:
        model = Assessment
        fields = ["course", "assessed_after", "assessed_before", "min_crs_grade"]


class InterventionFilter(CourseRecordFilter):
    class Meta:
        model = Intervention
        fields = ["course", "kind"]


class TaskFilter(CourseRecordFilter):
    open = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull")
    kind = filters.ChoiceFilter(choices=TaskKind.choices)

    class Meta:
        model = MonitoringTask
        fields = ["course", "open", "kind"]


class EscalationFilter(CourseRecordFilter):
    open = filters.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull")

    class Meta:
        model = Escalation
        fields = ["course", "open"]


class BedsideWrites(ReadsPatients):
    """Reads for patient readers; writes for nurses and clinicians (checked again in services)."""


class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """CRS/ICANS assessments; grades are computed by the server (ASTCT) and never sent."""

    serializer_class = AssessmentSerializer
    permission_classes = [BedsideWrites]
    write_roles = BEDSIDE
    filterset_class = AssessmentFilter
    ordering = ["-assessed_at", "-id"]

    def get_queryset(self):
        return Assessment.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("course")


class InterventionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InterventionSerializer
    permission_classes = [BedsideWrites]
    write_roles = BEDSIDE
    filterset_class = InterventionFilter
    ordering = ["-given_at", "-id"]

    def get_queryset(self):
        return Intervention.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        )


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assessments due. `take/` claims one: of two nurses taking it at once, one wins."""

    serializer_class = TaskSerializer
    permission_classes = [BedsideWrites]
    write_roles = BEDSIDE
    filterset_class = TaskFilter
    ordering = ["due_at", "id"]

    def get_queryset(self):
        return MonitoringTask.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("course__patient")

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        task = self.get_object()
        try:
            task = services.task_take(by=request.user, task=task)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(TaskSerializer(task).data)


class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EscalationSerializer
    permission_classes = [BedsideWrites]
    write_roles = frozenset({Role.CLINICIAN})
    filterset_class = EscalationFilter
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return Escalation.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        )

    @extend_schema(request=AcknowledgeSerializer, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        escalation = self.get_object()
        payload = AcknowledgeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            escalation = services.escalation_acknowledge(
                by=request.user, escalation=escalation, note=payload.validated_data["note"]
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(EscalationSerializer(escalation).data)


class GradePreviewView(APIView):
    """Grade bedside values without saving them (ASTCT, the same code as the assessments)."""

    permission_classes = [ReadsPatients]
    write_roles = PATIENT_READERS  # a preview saves nothing

    @extend_schema(request=GradePreviewSerializer, responses={200: GradeResultSerializer})
    def post(self, request):
        payload = GradePreviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        age = values.pop("age_years")
        try:
            grades = services.grade_values(age_years=age, values=values)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(
            {
                "crs_grade": grades.crs.grade,
                # English, as before (and as the exports); *_text is in the request's language.
                "crs_reasons": [system_text.english(f) for f in grades.crs_findings],
                "crs_reason_text": system_text.say(grades.crs_findings),
                "crs_findings": grades.crs_findings,
                "vitals_note": vitals_findings_text(grades.vitals_findings),
                "icans_grade": grades.icans.grade if grades.icans else None,
                "icans_reasons": [system_text.english(f) for f in grades.icans_findings],
                "icans_reason_text": system_text.say(grades.icans_findings),
                "icans_findings": grades.icans_findings,
                "ice_score": grades.ice_score,
            }
        )


class LabResultViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Monitoring labs. `source` says whether a value was typed or came from the lab system;
    values posted here are typed (the lab system's come through the HIS interfaces)."""

    serializer_class = LabResultSerializer
    permission_classes = [BedsideWrites]
    write_roles = BEDSIDE
    filterset_fields = ["course", "analyte", "source"]
    ordering = ["-measured_at", "-id"]

    def get_queryset(self):
        return LabResult.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("recorded_by")
