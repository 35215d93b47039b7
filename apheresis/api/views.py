"""Filters and viewsets of the apheresis API (append-only custody and verifications)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.filters import CourseRecordFilter
from core.permissions import ReadsPatients
from patients.selectors import courses_visible_to

from .. import selectors, services
from ..models import (
    BagVerification,
    ChainOfIdentity,
    Collection,
    CollectionSchedule,
    CustodyEvent,
    CustodyKind,
    ScanResult,
    ScheduleStatus,
    VerificationPurpose,
)
from .serializers import (
    BagVerificationSerializer,
    CancelSerializer,
    ChainOfIdentitySerializer,
    CollectionSerializer,
    CorrectionSerializer,
    CustodyEventSerializer,
    ManufacturingSerializer,
    OutOfSpecSerializer,
    OverrideSerializer,
    ReceiptSerializer,
    ScheduleSerializer,
    _service,
)

READ_ONLY_METHODS = ["get", "post", "head", "options"]


# --- Filters -------------------------------------------------------------------------------


class ScheduleFilter(CourseRecordFilter):
    status = filters.ChoiceFilter(choices=ScheduleStatus.choices)
    date_from = filters.DateFilter(field_name="collection_date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="collection_date", lookup_expr="lte")

    class Meta:
        model = CollectionSchedule
        fields = ["course", "status", "date_from", "date_to"]


class CollectionFilter(CourseRecordFilter):
    coi_id = filters.CharFilter()

    class Meta:
        model = Collection
        fields = ["course", "coi_id"]


class CustodyFilter(filters.FilterSet):
    collection = filters.NumberFilter(field_name="collection_id")
    coi_id = filters.CharFilter()
    kind = filters.ChoiceFilter(choices=CustodyKind.choices)

    class Meta:
        model = CustodyEvent
        fields = ["collection", "coi_id", "kind"]


class VerificationFilter(CourseRecordFilter):
    result = filters.ChoiceFilter(choices=ScanResult.choices)
    purpose = filters.ChoiceFilter(choices=VerificationPurpose.choices)

    class Meta:
        model = BagVerification
        fields = ["course", "result", "purpose"]


class CoiFilter(CourseRecordFilter):
    coi_id = filters.CharFilter()

    class Meta:
        model = ChainOfIdentity
        fields = ["course", "coi_id"]


# --- Views ---------------------------------------------------------------------------------


class Writes(ReadsPatients):
    """Reads for patient readers; writes for the roles the view names (services check again)."""


class ScheduleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Collections booked against the manufacturer's slot, with their pre-collection checks.
    PATCH changes a planned booking (send the `version` you read); there is no DELETE."""

    serializer_class = ScheduleSerializer
    permission_classes = [Writes]
    write_roles = frozenset(services.WRITER_ROLES) | frozenset(services.OVERRIDE_ROLES)
    filterset_class = ScheduleFilter
    ordering = ["collection_date", "id"]
    http_method_names = [*READ_ONLY_METHODS, "patch"]

    def get_queryset(self):
        return selectors.schedules_visible_to(self.request.user)

    @extend_schema(request=OverrideSerializer, responses={200: ScheduleSerializer})
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        """A clinician overrides one failed check, with a reason (kept forever)."""
        schedule = self.get_object()
        payload = OverrideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _service(
            services.check_override, by=request.user, schedule=schedule, **payload.validated_data
        )
        return Response(ScheduleSerializer(schedule, context={"request": request}).data)

    @extend_schema(request=CancelSerializer, responses={200: ScheduleSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        schedule = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        schedule = _service(
            services.schedule_cancel,
            by=request.user,
            schedule=schedule,
            reason=payload.validated_data["reason"],
        )
        return Response(ScheduleSerializer(schedule, context={"request": request}).data)


class CollectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Collections (post one to record it: refused while a pre-collection check blocks),
    their manufacturing, out-of-specification results and product receipt."""

    serializer_class = CollectionSerializer
    permission_classes = [Writes]
    write_roles = frozenset(services.WRITER_ROLES)
    filterset_class = CollectionFilter
    ordering = ["-collected_at", "-id"]
    http_method_names = READ_ONLY_METHODS

    def get_queryset(self):
        return selectors.collections_visible_to(self.request.user).select_related("manufacturing")

    @extend_schema(request=ManufacturingSerializer, responses={200: ManufacturingSerializer})
    @action(detail=True, methods=["post"])
    def manufacturing(self, request, pk=None):
        collection = self.get_object()
        payload = ManufacturingSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        fields = dict(payload.validated_data)
        if "version" not in fields:
            raise serializers.ValidationError({"version": [_("Send the version you read.")]})
        version = fields.pop("version")
        record = _service(
            services.manufacturing_update,
            by=request.user,
            collection=collection,
            expected_version=version,
            **fields,
        )
        return Response(ManufacturingSerializer(record).data)

    @extend_schema(request=OutOfSpecSerializer, responses={201: OutOfSpecSerializer})
    @action(detail=True, methods=["post"], url_path="oos-results")
    def oos_results(self, request, pk=None):
        collection = self.get_object()
        payload = OutOfSpecSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        oos = _service(
            services.oos_record, by=request.user, collection=collection, **payload.validated_data
        )
        return Response(OutOfSpecSerializer(oos).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceiptSerializer, responses={201: ReceiptSerializer})
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
    )
    def receipt(self, request, pk=None):
        """Receive the product (multipart: the release certificate is a PDF, PNG or JPEG)."""
        collection = self.get_object()
        payload = ReceiptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        receipt = _service(
            services.product_receive,
            by=request.user,
            collection=collection,
            **payload.validated_data,
        )
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class CustodyEventViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The append-only chain of custody: post a step; correct one with `correct/` (a new
    event naming it). Events are never changed or deleted: no PUT, PATCH or DELETE."""

    serializer_class = CustodyEventSerializer
    permission_classes = [Writes]
    write_roles = frozenset(services.WRITER_ROLES)
    filterset_class = CustodyFilter
    ordering = ["recorded_at", "id"]
    http_method_names = READ_ONLY_METHODS

    def get_queryset(self):
        return CustodyEvent.objects.filter(
            collection__in=selectors.collections_visible_to(self.request.user).values("pk")
        ).select_related("recorded_by")

    @extend_schema(request=CorrectionSerializer, responses={201: CustodyEventSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        event = self.get_object()
        payload = CorrectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        correction = _service(
            services.custody_correct, by=request.user, event=event, **payload.validated_data
        )
        return Response(CustodyEventSerializer(correction).data, status=status.HTTP_201_CREATED)


class BagVerificationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Scan a bag against a patient. Every attempt is logged; a mismatch answers 409."""

    serializer_class = BagVerificationSerializer
    permission_classes = [Writes]
    write_roles = frozenset(services.VERIFIER_ROLES)
    filterset_class = VerificationFilter
    ordering = ["-verified_at", "-id"]
    http_method_names = READ_ONLY_METHODS

    def get_queryset(self):
        return BagVerification.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("verified_by")

    @extend_schema(
        responses={201: BagVerificationSerializer, 409: BagVerificationSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        verification = _service(
            services.bag_verify,
            by=request.user,
            course=data["course"],
            scanned_text=data.get("scanned_text", ""),
            purpose=data["purpose"],
        )
        body = BagVerificationSerializer(verification).data
        return Response(
            body,
            status=status.HTTP_201_CREATED if verification.matched else status.HTTP_409_CONFLICT,
        )


class ChainOfIdentityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Each course's COI ID, and whether its bag has been matched by two different users."""

    serializer_class = ChainOfIdentitySerializer
    permission_classes = [ReadsPatients]
    filterset_class = CoiFilter
    ordering = ["-issued_at"]

    def get_queryset(self):
        return ChainOfIdentity.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("course")
