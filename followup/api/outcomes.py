"""Follow-up API: courses with their outcomes and survival; realigning a schedule."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.permissions import ReadsPatients
from patients.api import as_drf_error
from patients.models import TreatmentCourse

from .. import selectors, services

# --- Courses with outcomes ---------------------------------------------------------------


class SurvivalSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    months = serializers.FloatField()
    event = serializers.BooleanField(help_text=_("false: censored"))
    on = serializers.DateField(help_text=_("Date of the event, or of censoring."))
    kind = serializers.CharField(
        help_text=_(
            "progression, death, censored_last_assessment, censored_new_therapy "
            "or censored_last_alive"
        )
    )


class OutcomeSerializer(serializers.Serializer):
    best_response = serializers.CharField(allow_null=True)
    best_response_date = serializers.DateField(allow_null=True)
    progression_date = serializers.DateField(allow_null=True)
    death_date = serializers.DateField(allow_null=True)
    last_known_alive = serializers.DateField()
    lost_to_follow_up = serializers.BooleanField()
    new_therapy_start = serializers.DateField(allow_null=True)
    pfs = SurvivalSerializer()
    os = SurvivalSerializer()


class FollowUpCourseSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", read_only=True)
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentCourse
        fields = ["id", "patient", "product", "stage", "day0_date", "outcome"]

    @extend_schema_field(OutcomeSerializer(allow_null=True))
    def get_outcome(self, course):
        outcome = selectors.course_outcome(course, list(course.followup_visits.all()))
        return None if outcome is None else OutcomeSerializer(outcome).data


class FollowUpCourseFilter(filters.FilterSet):
    patient = filters.NumberFilter(field_name="patient_id")
    not_seen_for_a_year = filters.BooleanFilter(
        method="filter_not_seen", label=_("Open courses not seen for more than a year")
    )

    class Meta:
        model = TreatmentCourse
        fields = ["patient", "stage", "not_seen_for_a_year"]

    def filter_not_seen(self, queryset, name, value):
        stale = selectors.courses_not_seen(self.request.user, timezone.localdate()).values("pk")
        return queryset.filter(pk__in=stale) if value else queryset.exclude(pk__in=stale)


class RealignResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    moved = serializers.IntegerField()


class EndFollowUpSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False)
    reason = serializers.CharField()


class FollowUpCourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Infused courses with their outcome: best response (Lugano 2014), progression, PFS and
    OS with censoring."""

    serializer_class = FollowUpCourseSerializer
    permission_classes = [ReadsPatients]
    write_roles = selectors.FOLLOWUP_RECORDERS
    filterset_class = FollowUpCourseFilter
    ordering_fields = ["day0_date"]
    ordering = ["-day0_date", "-id"]

    def get_queryset(self):
        return selectors.followup_courses_visible_to(self.request.user).prefetch_related(
            "followup_visits__therapies"
        )

    @extend_schema(request=EndFollowUpSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="end")
    def end_follow_up(self, request, pk=None):
        """End follow-up at this centre (clinicians): the course moves to completed."""
        course = self.get_object()
        payload = EndFollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            record = services.follow_up_end(
                by=request.user, course=course, **payload.validated_data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(
            {"course": course.pk, "ended_on": record.ended_on, "stage": "completed"},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: RealignResultSerializer})
    @action(detail=True, methods=["post"], url_path="realign-schedule")
    def realign_schedule(self, request, pk=None):
        """Make the schedule, or move the visits not yet done after a Day 0 correction."""
        course = self.get_object()
        try:
            result = services.schedule_realign(by=request.user, course=course)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(RealignResultSerializer(result).data)
