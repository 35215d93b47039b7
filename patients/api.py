from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from catalogue import selectors as catalogue_selectors
from catalogue.models import CarTProduct, Diagnosis
from core.models import User, Ward
from core.permissions import ReadsPatients, can_edit_patients, can_read_patients
from core.versioning import StaleEditError

from . import rules, selectors, services
from .models import Patient, Stage, StageEvent, TreatmentCourse, WardTransfer


class VisibleCourseField(serializers.PrimaryKeyRelatedField):
    """A course the user may see; any other is reported as not existing, as on the pages.
    The one definition every stage's API uses for its ``course`` field."""

    def get_queryset(self):
        return selectors.courses_visible_to(self.context["request"].user)


def as_drf_error(error: DjangoValidationError) -> ValidationError:
    if hasattr(error, "error_dict"):
        return ValidationError(
            {k: [str(m) for e in v for m in e.messages] for k, v in error.error_dict.items()}
        )
    return ValidationError({"non_field_errors": error.messages})


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = CarTProduct
        fields = [
            "id",
            "code",
            "name",
            "generic_name",
            "short_name",
            "target_antigen",
            "manufacturer",
            "active",
        ]


class PatientSerializer(serializers.ModelSerializer):
    ward = serializers.SlugRelatedField(slug_field="code", queryset=Ward.objects.all())
    attending_clinician = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    body_surface_area_m2 = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False,
        help_text=_("Required on update: the version you read. A stale version is refused."),
    )
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=300,
        help_text=_("Reason for change; required once the patient is in treatment."),
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "family_name",
            "given_name",
            "date_of_birth",
            "sex",
            "weight_kg",
            "height_cm",
            "body_surface_area_m2",
            "diagnosis",
            "ward",
            "attending_clinician",
            "preferred_language",
            "version",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_body_surface_area_m2(self, patient) -> float:
        return round(patient.body_surface_area_m2, 2)

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise ValidationError({"version": [_("Send the version you read to update.")]})
        return attrs

    def create(self, validated_data):
        validated_data.pop("version", None)
        validated_data.pop("reason", None)
        try:
            return services.patient_register(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def update(self, instance, validated_data):
        expected = validated_data.pop("version")
        reason = validated_data.pop("reason", "")
        try:
            return services.patient_update(
                by=self.context["request"].user,
                patient=instance,
                expected_version=expected,
                reason=reason,
                **validated_data,
            )
        except StaleEditError as error:
            raise ValidationError({"version": error.messages}) from None
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class StageEventSerializer(serializers.ModelSerializer):
    changed_by = serializers.StringRelatedField()
    day_number = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(
        help_text=_(
            "Why the course moved, in the request's language (Accept-Language): the system's "
            "words, then what a person typed."
        )
    )
    reason_code = serializers.SerializerMethodField(
        help_text=_("The code of the system's words (see reason_params), or null.")
    )
    reason_params = serializers.SerializerMethodField(
        help_text=_("The parameters of the system's words (a nested text is a code object).")
    )

    class Meta:
        model = StageEvent
        fields = [
            "id",
            "from_stage",
            "to_stage",
            "effective_date",
            "day_number",
            "occurred_at",
            "changed_by",
            "reason",
            "reason_code",
            "reason_params",
        ]

    def get_reason(self, event) -> str:
        return event.reason_shown

    def get_reason_code(self, event) -> str | None:
        return (event.reason_text or {}).get("code")

    def get_reason_params(self, event) -> dict:
        return (event.reason_text or {}).get("params") or {}

    def get_day_number(self, event) -> int | None:
        day0 = event.course.day0_reference
        return rules.day_number(day0=day0, on=event.effective_date) if day0 else None


class CourseSerializer(serializers.ModelSerializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=catalogue_selectors.active_products()
    )
    stage_events = StageEventSerializer(many=True, read_only=True)

    class Meta:
        model = TreatmentCourse
        fields = [
            "id",
            "patient",
            "product",
            "stage",
            "referred_on",
            "planned_day0_date",
            "day0_date",
            "version",
            "stage_events",
            "created_at",
        ]
        read_only_fields = ["stage", "planned_day0_date", "day0_date", "version", "created_at"]
        extra_kwargs = {"referred_on": {"required": False, "help_text": _("Default: today.")}}

    def validate_patient(self, patient):
        # A patient the user may not see is reported as not existing, as on the pages.
        if not selectors.user_can_see_patient(self.context["request"].user, patient):
            raise ValidationError(_("Invalid pk - object does not exist."))
        return patient

    def create(self, validated_data):
        try:
            return services.course_open(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class StageChangeSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    effective_date = serializers.DateField(required=False)


class WardTransferSerializer(serializers.ModelSerializer):
    from_ward = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_ward = serializers.SlugRelatedField(slug_field="code", queryset=Ward.objects.all())
    recorded_by = serializers.StringRelatedField()
    transferred_at = serializers.DateTimeField(required=False)

    class Meta:
        model = WardTransfer
        fields = [
            "id",
            "from_ward",
            "to_ward",
            "transferred_at",
            "reason",
            "source",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["source", "recorded_at"]


class CanReadPatients(ReadsPatients):
    """Any patient reader may call the action; its service decides (a nurse of the ward)."""

    def has_permission(self, request, view):
        return can_read_patients(request.user)


class PatientFilter(filters.FilterSet):
    ward = filters.CharFilter(field_name="ward__code")
    diagnosis = filters.ChoiceFilter(choices=Diagnosis.choices)
    stage = filters.ChoiceFilter(choices=Stage.choices, method="in_stage")

    class Meta:
        model = Patient
        fields = ["ward", "diagnosis", "stage"]

    def in_stage(self, queryset, name, value):
        return selectors.patients_in_stage(queryset, value)


class CourseFilter(filters.FilterSet):
    stage = filters.ChoiceFilter(choices=Stage.choices)
    product = filters.CharFilter(field_name="product__code")
    patient = filters.NumberFilter(field_name="patient_id")

    class Meta:
        model = TreatmentCourse
        fields = ["stage", "product", "patient"]


class ProductFilter(filters.FilterSet):
    # ?diagnosis=MM: the products indicated for it, as a course's product choice offers them.
    diagnosis = filters.ChoiceFilter(choices=Diagnosis.choices, method="filter_diagnosis")

    class Meta:
        model = CarTProduct
        fields = ["active", "target_antigen", "diagnosis"]

    def filter_diagnosis(self, queryset, name, value):
        return queryset.filter(
            pk__in=catalogue_selectors.products_indicated_for(value).values("pk")
        )


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """The CAR-T product catalogue (maintained by administrators in the admin)."""

    serializer_class = ProductSerializer
    queryset = catalogue_selectors.products()
    filterset_class = ProductFilter


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients of the programme; nurses see only their wards' patients."""

    serializer_class = PatientSerializer
    permission_classes = [ReadsPatients]
    filterset_class = PatientFilter
    search_fields = ["mrn", "family_name", "given_name"]
    ordering_fields = ["family_name", "mrn", "created_at", "date_of_birth"]
    ordering = ["family_name", "given_name", "mrn"]

    def get_queryset(self):
        return selectors.patients_visible_to(self.request.user)

    @extend_schema(request=WardTransferSerializer, responses={201: WardTransferSerializer})
    @action(
        detail=True, methods=["post"], url_path="transfer", permission_classes=[CanReadPatients]
    )
    def transfer(self, request, pk=None):
        """Move the patient to another ward (a clinician, or a nurse of the sending ward)."""
        patient = self.get_object()
        payload = WardTransferSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            transfer = services.patient_transfer(
                by=request.user,
                patient=patient,
                to_ward=data["to_ward"],
                reason=data.get("reason", ""),
                transferred_at=data.get("transferred_at"),
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(WardTransferSerializer(transfer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: WardTransferSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="transfers")
    def transfers(self, request, pk=None):
        """The patient's ward timeline, oldest first."""
        patient = self.get_object()
        return Response(
            WardTransferSerializer(selectors.patient_ward_timeline(patient), many=True).data
        )


class CourseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Treatment courses with their stage timeline. Stages change only through `stage/`."""

    serializer_class = CourseSerializer
    permission_classes = [ReadsPatients]
    filterset_class = CourseFilter
    ordering_fields = ["referred_on", "stage", "created_at"]
    ordering = ["-referred_on", "-id"]
    write_roles = frozenset(rules.ROLES_THAT_MOVE_COURSES)

    def get_queryset(self):
        return selectors.courses_visible_to(self.request.user).prefetch_related(
            "stage_events__changed_by", "stage_events__course"
        )

    def create(self, request, *args, **kwargs):
        if not can_edit_patients(request.user):
            raise PermissionDenied(_("Only clinicians may open a treatment course."))
        return super().create(request, *args, **kwargs)

    @extend_schema(request=StageChangeSerializer, responses={200: CourseSerializer})
    @action(detail=True, methods=["post"], url_path="stage")
    def change_stage(self, request, pk=None):
        """Move the course to another stage (the allowed transitions and roles apply)."""
        course = self.get_object()
        payload = StageChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.course_change_stage(by=request.user, course=course, **payload.validated_data)
        except DjangoValidationError as error:
            raise ValidationError({"to_stage": error.messages}) from None
        course = self.get_queryset().get(pk=course.pk)
        return Response(
            CourseSerializer(course, context={"request": request}).data, status=status.HTTP_200_OK
        )
