"""Pre-infusion gate endpoints: stock, checks, bedside bag match, overrides, the review."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.permissions import ReadsPatients
from patients.selectors import course_for_user, courses_visible_to

from .. import selectors, services, text
from ..models import (
    GateOverride,
    GateReview,
    PreInfusionCheck,
    TocilizumabStockCheck,
)
from .common import (
    CLINICIAN,
    NURSE,
    PHARMACIST,
    CourseFilter,
    VisibleCourseField,
    _ByCourse,
    _call,
)


class TocilizumabStockSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = TocilizumabStockCheck
        fields = ["id", "course", "doses_available", "notes", "confirmed_by", "confirmed_at"]
        read_only_fields = ["confirmed_by", "confirmed_at"]

    def create(self, data):
        return _call(services.stock_confirm, by=self.context["request"].user, **data)


class StockFilter(CourseFilter):
    class Meta:
        model = TocilizumabStockCheck
        fields = ["course"]


class StockViewSet(mixins.CreateModelMixin, _ByCourse):
    """Pharmacists confirm the tocilizumab doses on the ward."""

    serializer_class = TocilizumabStockSerializer
    filterset_class = StockFilter
    write_roles = PHARMACIST
    model = TocilizumabStockCheck
    ordering = ["-confirmed_at", "-id"]


class PreInfusionCheckSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = PreInfusionCheck
        fields = ["id", "course", "checked_at", *services.PRE_INFUSION_FIELDS, "checked_by"]
        read_only_fields = ["checked_by"]

    def create(self, data):
        return _call(services.pre_infusion_check_record, by=self.context["request"].user, **data)


class CheckFilter(CourseFilter):
    class Meta:
        model = PreInfusionCheck
        fields = ["course"]


class PreInfusionCheckViewSet(mixins.CreateModelMixin, _ByCourse):
    """The nurse's bedside check on the day of infusion."""

    serializer_class = PreInfusionCheckSerializer
    filterset_class = CheckFilter
    write_roles = NURSE
    model = PreInfusionCheck
    ordering = ["-checked_at", "-id"]


class SignSerializer(serializers.Serializer):
    password = serializers.CharField(
        help_text=_("Your password again: the review is signed electronically.")
    )


class GateOverrideSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = GateOverride
        fields = ["id", "course", "item", "observed", "reason", "overridden_by", "overridden_at"]
        read_only_fields = ["observed", "overridden_by", "overridden_at"]

    def create(self, data):
        return _call(services.gate_override, by=self.context["request"].user, **data)


class OverrideFilter(CourseFilter):
    class Meta:
        model = GateOverride
        fields = ["course"]


class GateOverrideViewSet(mixins.CreateModelMixin, _ByCourse):
    """A clinician accepts one failed gate item with a reason, kept forever."""

    serializer_class = GateOverrideSerializer
    filterset_class = OverrideFilter
    write_roles = CLINICIAN
    model = GateOverride
    ordering = ["overridden_at", "id"]


class InfusionGateItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    overridden = serializers.BooleanField()
    overridable = serializers.BooleanField()
    observed = serializers.CharField()
    message = serializers.CharField()


class InfusionGateSerializer(serializers.Serializer):
    course = serializers.IntegerField()
    date = serializers.DateField()
    passed = serializers.BooleanField()
    reviewed = serializers.BooleanField(help_text=_("A clinician's passed review stands today."))
    items = InfusionGateItemSerializer(many=True)


class GateReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = GateReview
        fields = [
            "id",
            "course",
            "review_date",
            "passed",
            "items",
            "reviewed_by",
            "reviewed_at",
            "superseded_at",
        ]
        read_only_fields = fields


def _gate_payload(course) -> dict:
    on = timezone.localdate()
    result = selectors.gate_evaluate(course, on=on)
    return {
        "course": course.pk,
        "date": on,
        "passed": result.passed,
        "reviewed": selectors.current_review(course, on) is not None,
        "items": [
            {
                "code": i.code,
                "label": text.item_label(i.code),
                "passed": i.passed,
                "overridden": i.overridden,
                "overridable": i.overridable,
                "observed": i.observed,
                "message": text.item_message(i),
            }
            for i in result.items
        ],
    }


class GateViewSet(viewsets.GenericViewSet):
    """Today's pre-infusion gate of a course (by course id); clinicians review it."""

    permission_classes = [ReadsPatients]
    write_roles = CLINICIAN
    serializer_class = InfusionGateSerializer
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return courses_visible_to(self.request.user)

    @extend_schema(responses={200: InfusionGateSerializer})
    def retrieve(self, request, pk=None):
        course = course_for_user(request.user, pk)
        return Response(InfusionGateSerializer(_gate_payload(course)).data)

    @extend_schema(request=SignSerializer, responses={201: GateReviewSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        course = course_for_user(request.user, pk)
        payload = SignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        review = _call(
            services.gate_review,
            by=request.user,
            course=course,
            password=payload.validated_data["password"],
        )
        return Response(GateReviewSerializer(review).data, status=201)
