"""REST API for follow-up: discharges, visits, the schedule and outcomes."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.permissions import ReadsPatients
from patients.api import as_drf_error
from patients.models import TreatmentCourse
from patients.selectors import courses_visible_to
from patients.services import StaleEditError

from . import schedule, selectors, services
from .models import (
    Discharge,
    FollowUpVisit,
    Infection,
    LateAdverseEvent,
    LuganoResponse,
    ScheduledVisit,
    SubsequentTherapy,
    VisitState,
    VitalStatus,
)


class VisibleCourseField(serializers.PrimaryKeyRelatedField):
    """A course the user may see; any other is reported as not existing, as on the pages."""

    def get_queryset(self):
        return courses_visible_to(self.context["request"].user)


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


class CourseFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="course_id")
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


# --- Schedule ----------------------------------------------------------------------------


class ScheduledVisitSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    status = serializers.SerializerMethodField(
        help_text=_("upcoming, due (window open), overdue, done or cancelled, as of today.")
    )
    days_overdue = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField(help_text=_("Id of the visit record, if done."))

    class Meta:
        model = ScheduledVisit
        fields = [
            "id",
            "course",
            "code",
            "label",
            "sequence",
            "target_date",
            "window_start",
            "window_end",
            "visit_state",
            "status",
            "days_overdue",
            "cancel_reason",
            "record",
        ]

    def _today(self):
        return self.context.setdefault("today", timezone.localdate())

    def get_status(self, visit) -> str:
        return visit.status_on(self._today())

    def get_days_overdue(self, visit) -> int:
        if visit.status_on(self._today()) != schedule.OVERDUE:
            return 0
        return schedule.days_overdue(window_end=visit.window_end, today=self._today())

    def get_record(self, visit) -> int | None:
        record = getattr(visit, "record", None)
        return record.pk if record is not None else None


WORKLISTS = [
    ("due_this_week", _("Due this week")),
    ("overdue", _("Overdue")),
]


class ScheduleFilter(CourseFilter):
    visit_state = filters.ChoiceFilter(choices=VisitState.choices)
    worklist = filters.ChoiceFilter(choices=WORKLISTS, method="filter_worklist")

    class Meta:
        model = ScheduledVisit
        fields = ["course", "patient", "visit_state", "worklist"]

    def filter_worklist(self, queryset, name, value):
        today = timezone.localdate()
        user = self.request.user
        if value == "overdue":
            chosen = selectors.visits_overdue(user, today)
        else:
            chosen = selectors.visits_due_this_week(user, today)
        return queryset.filter(pk__in=chosen.values("pk"))


class ScheduleViewSet(viewsets.ReadOnlyModelViewSet):
    """Scheduled follow-up visits with their due windows and today's status.
    `worklist=overdue` or `worklist=due_this_week` gives the nurses' worklists."""

    serializer_class = ScheduledVisitSerializer
    permission_classes = [ReadsPatients]
    filterset_class = ScheduleFilter
    ordering_fields = ["target_date", "window_end", "sequence"]
    ordering = ["target_date", "id"]

    def get_queryset(self):
        return ScheduledVisit.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("record")


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
