"""REST endpoints: the same services and role rules as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apheresis.models import BagVerification, VerificationPurpose
from core.permissions import ReadsPatients
from core.roles import Role
from patients.api import as_drf_error
from patients.selectors import course_for_user, courses_visible_to

from . import renal, selectors, services, text
from .models import (
    Administration,
    BridgingTherapy,
    Day0Change,
    GateOverride,
    GateReview,
    InfusionRecord,
    LymphodepletionPlan,
    PlannedDose,
    PlanSignature,
    PreInfusionCheck,
    TocilizumabStockCheck,
)

CLINICIAN = frozenset({Role.CLINICIAN})
PHARMACIST = frozenset({Role.PHARMACIST})
NURSE = frozenset({Role.NURSE})
BEDSIDE = frozenset({Role.NURSE, Role.CLINICIAN})


def _call(function, **kwargs):
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


class VisibleCourseField(serializers.PrimaryKeyRelatedField):
    """A course the user may see; any other id reads as not existing."""

    def get_queryset(self):
        return courses_visible_to(self.context["request"].user)


class CourseFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="course_id")


class _ByCourse(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ReadsPatients]
    filterset_class = None
    model = None

    def get_queryset(self):
        return self.model.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        )


# --- Bridging ------------------------------------------------------------------------------


class BridgingTherapySerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = BridgingTherapy
        fields = [
            "id",
            "course",
            "regimen",
            "started_on",
            "ended_on",
            "response",
            "notes",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at"]

    def create(self, data):
        return _call(services.bridging_record, by=self.context["request"].user, **data)


class BridgingFilter(CourseFilter):
    class Meta:
        model = BridgingTherapy
        fields = ["course"]


class BridgingViewSet(mixins.CreateModelMixin, _ByCourse):
    """Bridging therapy between collection and lymphodepletion (clinicians write)."""

    serializer_class = BridgingTherapySerializer
    filterset_class = BridgingFilter
    write_roles = CLINICIAN
    model = BridgingTherapy
    ordering = ["started_on", "id"]


# --- Plan ----------------------------------------------------------------------------------


class DoseAdministrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Administration
        fields = [
            "id",
            "given_at",
            "dose_given_mg",
            "batch_number",
            "deviation",
            "deviation_detail",
            "deviation_reason",
            "notes",
            "given_by",
            "recorded_at",
        ]
        read_only_fields = fields


class PlannedDoseSerializer(serializers.ModelSerializer):
    day_label = serializers.SerializerMethodField()
    administration = DoseAdministrationSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PlannedDose
        fields = [
            "id",
            "plan",
            "drug",
            "day_number",
            "day_label",
            "planned_on",
            "dose_mg_per_m2",
            "dose_mg",
            "calculation",
            "flags",
            "requires_clinician_decision",
            "omitted",
            "decision",
            "decided_by",
            "administration",
        ]
        read_only_fields = fields

    def get_day_label(self, dose) -> str:
        from patients.rules import format_day

        return format_day(dose.day_number)


class PlanSignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanSignature
        fields = [
            "id",
            "plan_version",
            "meaning",
            "signed_by",
            "signer_name",
            "signed_at",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()
    doses = PlannedDoseSerializer(many=True, read_only=True)
    signatures = PlanSignatureSerializer(many=True, read_only=True)
    verified = serializers.SerializerMethodField()
    regimen_key = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Empty: the catalogue's regimen.")
    )
    crcl_ml_min = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text=_(
            "Only for a clearance the clinician enters (e.g. measured); otherwise give "
            "the creatinine and it is computed by Cockcroft–Gault."
        ),
    )
    creatinine = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        required=False,
        allow_null=True,
        write_only=True,
        help_text=_("Latest serum creatinine, in creatinine_unit."),
    )
    creatinine_unit = serializers.ChoiceField(
        choices=renal.CREATININE_UNITS, default=renal.UMOL_L, write_only=True
    )
    creatinine_drawn_on = serializers.DateField(required=False, allow_null=True)
    creatinine_reentered = serializers.BooleanField(default=False, write_only=True)
    weight_basis = serializers.ChoiceField(
        choices=renal.WEIGHT_BASES, default=renal.ACTUAL, write_only=True
    )

    class Meta:
        model = LymphodepletionPlan
        fields = [
            "id",
            "course",
            "regimen_key",
            "weight_kg",
            "height_cm",
            "crcl_ml_min",
            "crcl_method",
            "creatinine",
            "creatinine_unit",
            "creatinine_umol_l",
            "creatinine_drawn_on",
            "creatinine_reentered",
            "weight_basis",
            "renal_table",
            "bsa_m2",
            "uncapped_bsa_m2",
            "bsa_cap_m2",
            "warnings",
            "version",
            "verified",
            "created_by",
            "created_at",
            "doses",
            "signatures",
        ]
        read_only_fields = [
            "crcl_method",
            "creatinine_umol_l",
            "renal_table",
            "weight_kg",
            "height_cm",
            "bsa_m2",
            "uncapped_bsa_m2",
            "bsa_cap_m2",
            "warnings",
            "version",
            "created_by",
            "created_at",
        ]

    def get_verified(self, plan) -> bool:
        return selectors.plan_is_verified(plan)

    def create(self, data):
        return _call(
            services.plan_create,
            by=self.context["request"].user,
            course=data["course"],
            crcl_ml_min=data.get("crcl_ml_min"),
            regimen_key=data.get("regimen_key", ""),
            creatinine=data.get("creatinine"),
            creatinine_unit=data.get("creatinine_unit", renal.UMOL_L),
            creatinine_drawn_on=data.get("creatinine_drawn_on"),
            creatinine_reentered=data.get("creatinine_reentered", False),
            weight_basis=data.get("weight_basis", renal.ACTUAL),
        )


class PlanVerifySerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    version = serializers.IntegerField(help_text=_("The plan version you verified."))


class PlanRecalculateSerializer(serializers.Serializer):
    crcl_ml_min = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    creatinine = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True
    )
    creatinine_unit = serializers.ChoiceField(choices=renal.CREATININE_UNITS, default=renal.UMOL_L)
    creatinine_drawn_on = serializers.DateField(required=False, allow_null=True)
    creatinine_reentered = serializers.BooleanField(default=False)
    weight_basis = serializers.ChoiceField(choices=renal.WEIGHT_BASES, default=renal.ACTUAL)
    reason = serializers.CharField()
    version = serializers.IntegerField()


class PlanFilter(CourseFilter):
    class Meta:
        model = LymphodepletionPlan
        fields = ["course"]


class PlanViewSet(mixins.CreateModelMixin, _ByCourse):
    """Lymphodepletion plans: clinicians create and recalculate, pharmacists verify."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    model = LymphodepletionPlan
    ordering = ["-created_at"]

    @property
    def write_roles(self):
        return PHARMACIST if self.action == "verify" else CLINICIAN

    def get_queryset(self):
        return super().get_queryset().prefetch_related("doses__administration", "signatures")

    @extend_schema(request=PlanVerifySerializer, responses={200: PlanSignatureSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        plan = self.get_object()
        payload = PlanVerifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        signature = _call(
            services.plan_verify,
            by=request.user,
            plan=plan,
            password=payload.validated_data["password"],
            expected_version=payload.validated_data["version"],
        )
        return Response(PlanSignatureSerializer(signature).data)

    @extend_schema(request=PlanRecalculateSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def recalculate(self, request, pk=None):
        plan = self.get_object()
        payload = PlanRecalculateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = _call(
            services.plan_recalculate,
            by=request.user,
            plan=plan,
            crcl_ml_min=payload.validated_data.get("crcl_ml_min"),
            creatinine=payload.validated_data.get("creatinine"),
            creatinine_unit=payload.validated_data["creatinine_unit"],
            creatinine_drawn_on=payload.validated_data.get("creatinine_drawn_on"),
            creatinine_reentered=payload.validated_data["creatinine_reentered"],
            weight_basis=payload.validated_data["weight_basis"],
            reason=payload.validated_data["reason"],
            expected_version=payload.validated_data["version"],
        )
        return Response(PlanSerializer(plan, context={"request": request}).data)


class AdministerDoseSerializer(serializers.Serializer):
    given_at = serializers.DateTimeField()
    dose_given_mg = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=0)
    batch_number = serializers.CharField(max_length=60)
    deviation_reason = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class DoseDecisionSerializer(serializers.Serializer):
    dose_mg = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        allow_null=True,
        help_text=_("null: leave the dose out."),
    )
    reason = serializers.CharField()
    version = serializers.IntegerField()


class DoseFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="plan__course_id")
    planned_on = filters.DateFilter()
    given = filters.BooleanFilter(field_name="administration", lookup_expr="isnull", exclude=True)

    class Meta:
        model = PlannedDose
        fields = ["course", "planned_on", "given"]


class PlannedDoseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Planned doses; nurses record administrations, clinicians decide withheld doses."""

    serializer_class = PlannedDoseSerializer
    permission_classes = [ReadsPatients]
    filterset_class = DoseFilter
    ordering = ["planned_on", "day_number", "id"]

    @property
    def write_roles(self):
        return NURSE if self.action == "administer" else CLINICIAN

    def get_queryset(self):
        return selectors.doses_visible_to(self.request.user)

    @extend_schema(request=AdministerDoseSerializer, responses={201: DoseAdministrationSerializer})
    @action(detail=True, methods=["post"])
    def administer(self, request, pk=None):
        dose = self.get_object()
        payload = AdministerDoseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = _call(
            services.administration_record, by=request.user, dose=dose, **payload.validated_data
        )
        return Response(DoseAdministrationSerializer(record).data, status=201)

    @extend_schema(request=DoseDecisionSerializer, responses={200: PlannedDoseSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        dose = self.get_object()
        payload = DoseDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        dose = _call(
            services.dose_decide,
            by=request.user,
            dose=dose,
            dose_mg=payload.validated_data["dose_mg"],
            reason=payload.validated_data["reason"],
            expected_version=payload.validated_data["version"],
        )
        return Response(PlannedDoseSerializer(dose).data)


# --- Day 0 ---------------------------------------------------------------------------------


class Day0ChangeSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = Day0Change
        fields = [
            "id",
            "course",
            "old_date",
            "new_date",
            "reason",
            "doses_moved",
            "changed_by",
            "changed_at",
        ]
        read_only_fields = ["old_date", "doses_moved", "changed_by", "changed_at"]

    def create(self, data):
        return _call(services.day0_change, by=self.context["request"].user, **data)


class Day0Filter(CourseFilter):
    class Meta:
        model = Day0Change
        fields = ["course"]


class Day0ChangeViewSet(mixins.CreateModelMixin, _ByCourse):
    """Plan or move Day 0: what has not been given moves with it."""

    serializer_class = Day0ChangeSerializer
    filterset_class = Day0Filter
    write_roles = CLINICIAN
    model = Day0Change
    ordering = ["-changed_at", "-id"]


# --- Gate ----------------------------------------------------------------------------------


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


class BedsideVerificationSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()
    matched = serializers.BooleanField(read_only=True)
    password = serializers.CharField(
        write_only=True, help_text=_("Your password again: a match is signed electronically.")
    )

    class Meta:
        model = BagVerification
        fields = [
            "id",
            "course",
            "scanned_text",
            "expected_coi_id",
            "result",
            "matched",
            "verified_by",
            "verified_at",
            "password",
        ]
        read_only_fields = ["expected_coi_id", "result", "verified_by", "verified_at"]

    def create(self, data):
        return _call(services.bedside_verify, by=self.context["request"].user, **data)


class BedsideFilter(CourseFilter):
    class Meta:
        model = BagVerification
        fields = ["course"]


class BedsideVerificationViewSet(mixins.CreateModelMixin, _ByCourse):
    """The bag's COI ID checked against the patient at the bedside, by two different people."""

    serializer_class = BedsideVerificationSerializer
    filterset_class = BedsideFilter
    write_roles = BEDSIDE
    model = BagVerification
    ordering = ["-verified_at", "-id"]

    def get_queryset(self):
        return super().get_queryset().filter(purpose=VerificationPurpose.BEDSIDE)


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


# --- Infusion ------------------------------------------------------------------------------


class InfusionRecordSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()

    class Meta:
        model = InfusionRecord
        fields = [
            "id",
            "course",
            "gate_review",
            "started_at",
            "ended_at",
            "bags_infused",
            "bags_reason",
            "dose_cells_10e6",
            "reactions",
            "temperature_c",
            "heart_rate_bpm",
            "systolic_bp_mmhg",
            "diastolic_bp_mmhg",
            "spo2_percent",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["gate_review", "recorded_by", "recorded_at"]

    def create(self, data):
        return _call(services.infusion_record, by=self.context["request"].user, **data)


class InfusionFilter(CourseFilter):
    class Meta:
        model = InfusionRecord
        fields = ["course"]


class InfusionViewSet(mixins.CreateModelMixin, _ByCourse):
    """The infusion: refused unless today's gate passed; fixes Day 0, starts monitoring."""

    serializer_class = InfusionRecordSerializer
    filterset_class = InfusionFilter
    write_roles = NURSE
    model = InfusionRecord
    ordering = ["-started_at"]
