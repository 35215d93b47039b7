"""Lymphodepletion plan and planned dose endpoints."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.models import Signature
from core.permissions import ReadsPatients

from .. import renal, selectors, services
from ..models import (
    Administration,
    LymphodepletionPlan,
    PlannedDose,
)
from .common import CLINICIAN, NURSE, PHARMACIST, CourseFilter, VisibleCourseField, _ByCourse, _call
from .plan_signing import PlanSignatureSerializer, PlanVerifySerializer


class DoseAdministrationSerializer(serializers.ModelSerializer):
    # In the reader's language (issue 17); deviation_text holds the codes with parameters.
    deviation_detail = serializers.CharField(source="get_deviation_detail_display", read_only=True)

    class Meta:
        model = Administration
        fields = [
            "id",
            "given_at",
            "dose_given_mg",
            "batch_number",
            "deviation",
            "deviation_detail",
            "deviation_text",
            "deviation_reason",
            "notes",
            "given_by",
            "recorded_at",
        ]
        read_only_fields = fields


class PlannedDoseSerializer(serializers.ModelSerializer):
    day_label = serializers.SerializerMethodField()
    # In the reader's language (issue 17); calculation_text holds the codes with parameters.
    calculation = serializers.CharField(source="get_calculation_display", read_only=True)
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
            "calculation_text",
            "flags",
            "requires_clinician_decision",
            "omitted",
            "decision",
            "decided_by",
            "administration",
        ]
        read_only_fields = fields

    def get_day_label(self, dose) -> str:
        # In the request's language (Accept-Language), like every other label of the API.
        from patients.days import day_label

        return day_label(dose.day_number)


class PlanSerializer(serializers.ModelSerializer):
    course = VisibleCourseField()
    doses = PlannedDoseSerializer(many=True, read_only=True)
    signatures = PlanSignatureSerializer(many=True, read_only=True)
    verified = serializers.SerializerMethodField()
    # In the reader's language (issue 17); the *_text fields hold the codes with parameters.
    crcl_method = serializers.CharField(source="get_crcl_method_display", read_only=True)
    warnings = serializers.ListField(
        child=serializers.CharField(), source="get_warnings_display", read_only=True
    )
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
            "crcl_method_text",
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
            "warning_texts",
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
        newest_first = Signature.objects.order_by("-signed_at", "-id")
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "doses__administration", Prefetch("signatures", queryset=newest_first)
            )
        )

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
