"""Follow-up API: visits with their infections, late adverse events and therapies."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.permissions import ReadsPatients
from core.roles import Role
from patients.api import as_drf_error
from patients.selectors import courses_visible_to

from .. import selectors, services
from ..models import (
    FollowUpVisit,
    Infection,
    LateAdverseEvent,
    LuganoResponse,
    ScheduledVisit,
    SubsequentTherapy,
    VitalStatus,
)
from .discharge import CourseFilter, VisibleCourseField

# --- Visits ------------------------------------------------------------------------------


def _ctcae_grade():
    # A plain integer in the schema: two fields sharing one enum would get two enum names.
    return serializers.IntegerField(min_value=1, max_value=5, help_text=_("CTCAE v5.0 grade, 1–5."))


class InfectionSerializer(serializers.ModelSerializer):
    infection_grade = _ctcae_grade()

    class Meta:
        model = Infection
        fields = list(services.INFECTION_FIELDS)


class LateAdverseEventSerializer(serializers.ModelSerializer):
    event_grade = _ctcae_grade()

    class Meta:
        model = LateAdverseEvent
        fields = list(services.EVENT_FIELDS)


class SubsequentTherapySerializer(serializers.ModelSerializer):
    class Meta:
        model = SubsequentTherapy
        fields = list(services.THERAPY_FIELDS)


class VisitSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()
    scheduled_visit = serializers.PrimaryKeyRelatedField(
        queryset=ScheduledVisit.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "The scheduled visit this records. Left out: the planned visit whose due window "
            "holds the visit date, if any. null: an unscheduled visit."
        ),
    )
    label = serializers.CharField(read_only=True)
    infections = InfectionSerializer(many=True, required=False)
    adverse_events = LateAdverseEventSerializer(many=True, required=False)
    therapies = SubsequentTherapySerializer(many=True, required=False)
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = FollowUpVisit
        fields = [
            "id",
            "course",
            "scheduled_visit",
            "label",
            *services.VISIT_FIELDS,
            "infections",
            "adverse_events",
            "therapies",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]
        # The service checks the scheduled visit (same course, not yet recorded) with clear
        # messages; the model's one-to-one uniqueness check would only say "exists".
        validators = []
        extra_kwargs = {"scheduled_visit": {"validators": []}}

    def create(self, validated_data):
        course = validated_data.pop("course")
        if "scheduled_visit" in validated_data:
            scheduled = validated_data.pop("scheduled_visit")
        else:
            scheduled = selectors.matching_scheduled_visit(course, validated_data["visit_date"])
        children = {
            name: [dict(row) for row in validated_data.pop(name, [])]
            for name in ("infections", "adverse_events", "therapies")
        }
        try:
            return services.visit_record(
                by=self.context["request"].user,
                course=course,
                scheduled_visit=scheduled,
                **children,
                **validated_data,
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class VisitFilter(CourseFilter):
    lugano_response = filters.ChoiceFilter(choices=LuganoResponse.choices)
    vital_status = filters.ChoiceFilter(choices=VitalStatus.choices)
    visit_date_after = filters.DateFilter(field_name="visit_date", lookup_expr="gte")
    visit_date_before = filters.DateFilter(field_name="visit_date", lookup_expr="lte")

    class Meta:
        model = FollowUpVisit
        fields = ["course", "patient", "lugano_response", "vital_status"]


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Follow-up visits and contacts. Append-only. Recording a death by a clinician moves
    the course to "deceased"."""

    serializer_class = VisitSerializer
    permission_classes = [ReadsPatients]
    write_roles = selectors.FOLLOWUP_RECORDERS
    filterset_class = VisitFilter
    ordering_fields = ["visit_date", "recorded_at"]
    ordering = ["visit_date", "id"]

    def get_queryset(self):
        return (
            FollowUpVisit.objects.filter(
                course__in=courses_visible_to(self.request.user).values("pk")
            )
            .select_related("scheduled_visit", "recorded_by")
            .prefetch_related("infections", "adverse_events", "therapies")
        )


# --- Reports to the manufacturer ----------------------------------------------------------


class ManufacturerReportSerializer(serializers.ModelSerializer):
    course = serializers.IntegerField(source="visit.course_id", read_only=True)
    visit_date = serializers.DateField(source="visit.visit_date", read_only=True)

    class Meta:
        model = LateAdverseEvent
        fields = [
            "id",
            "course",
            "visit",
            "visit_date",
            "event_category",
            "term",
            "event_grade",
            "onset_date",
            "reported_to_manufacturer",
        ]
        read_only_fields = fields


class ManufacturerReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Late events that must be reported to the manufacturer (T-cell malignancy) and are not
    yet: the clinicians' task list. ``POST …/<id>/reported/`` records the report."""

    serializer_class = ManufacturerReportSerializer
    permission_classes = [ReadsPatients]
    write_roles = frozenset({Role.CLINICIAN})
    pagination_class = None

    def get_queryset(self):
        ids = [event.pk for event in selectors.manufacturer_reports_due(self.request.user)]
        return (
            LateAdverseEvent.objects.filter(pk__in=ids)
            .select_related("visit")
            .order_by("visit__visit_date", "id")
        )

    @extend_schema(request=None, responses={200: ManufacturerReportSerializer})
    @action(detail=True, methods=["post"])
    def reported(self, request, pk=None):
        event = self.get_object()
        try:
            services.manufacturer_report_record(by=request.user, event=event)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        event.refresh_from_db()
        return Response(ManufacturerReportSerializer(event).data)
