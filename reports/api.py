from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue import selectors as catalogue_selectors
from catalogue.models import Diagnosis
from core.files import protected_file_response
from followup import outcomes
from patients.api import as_drf_error
from patients.models import Stage

from . import datasets, fhir, selectors, services
from .access import (
    PURPOSE_MIN_LENGTH,
    Dashboard,
    DashboardRefresh,
    ExportLogReaders,
    Exports,
    IdentifiableExports,
)
from .datasets import Filters
from .models import Delivery, ExportJob, ExportLog, FileFormat
from .views import csv_response


class FhirUnavailable(APIException):
    status_code = 503
    default_detail = _("FHIR export needs the fhir.resources package.")
    default_code = "fhir_unavailable"


class FilterParamsSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=catalogue_selectors.products(), required=False, allow_null=True
    )
    diagnosis = serializers.ChoiceField(choices=Diagnosis.choices, required=False, allow_blank=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)

    def to_filters(self) -> Filters:
        data = self.validated_data
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            product=data["product"].code if data.get("product") else "",
            diagnosis=data.get("diagnosis") or "",
            stage=data.get("stage") or "",
        )


class ExportModeSerializer(serializers.Serializer):
    identifiable = serializers.BooleanField(
        default=False,
        help_text=_(
            "True: MRNs, names, birth dates and free text (auditors and clinicians, with a "
            "purpose). False: pseudonymised (study codes, no names, birth year only)."
        ),
    )
    purpose = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why the data is exported; required for an identifiable export."),
    )


class ExportJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "dataset",
            "file_format",
            "filters",
            "identifiable",
            "purpose",
            "status",
            "total_rows",
            "row_count",
            "progress_percent",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ExportJobRequestSerializer(FilterParamsSerializer, ExportModeSerializer):
    dataset = serializers.CharField(help_text=_("A dataset key, e.g. registry."))
    file_format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.CSV)


class ExportLogSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExportLog
        fields = [
            "id",
            "user",
            "dataset",
            "file_format",
            "delivery",
            "filters",
            "identifiable",
            "purpose",
            "started_at",
            "completed_at",
            "row_count",
        ]


class ExportLogFilter(filters.FilterSet):
    dataset = filters.CharFilter()
    user = filters.CharFilter(field_name="user__username")
    started_after = filters.DateFilter(field_name="started_at", lookup_expr="date__gte")
    started_before = filters.DateFilter(field_name="started_at", lookup_expr="date__lte")

    class Meta:
        model = ExportLog
        fields = ["dataset", "user", "started_after", "started_before"]


class ExportJobFilter(filters.FilterSet):
    status = filters.CharFilter()
    dataset = filters.CharFilter()

    class Meta:
        model = ExportJob
        fields = ["status", "dataset"]


class ExportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Background exports of the requesting user (administrators and auditors)."""

    serializer_class = ExportJobSerializer
    permission_classes = [Exports]
    filterset_class = ExportJobFilter

    queryset = ExportJob.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExportJob.objects.none()
        return ExportJob.objects.filter(requested_by=self.request.user)

    @extend_schema(request=ExportJobRequestSerializer, responses={201: ExportJobSerializer})
    def create(self, request, *args, **kwargs):
        payload = ExportJobRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            job = services.export_job_request(
                by=request.user,
                dataset_key=payload.validated_data["dataset"],
                file_format=payload.validated_data["file_format"],
                filters=payload.to_filters(),
                identifiable=payload.validated_data["identifiable"],
                purpose=payload.validated_data["purpose"],
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(ExportJobSerializer(job).data, status=201)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The finished job's file."""
        job = self.get_object()
        try:
            name = services.job_file(job)
        except DjangoValidationError as error:
            raise ValidationError({"status": error.messages}) from None
        return protected_file_response(
            request,
            name=name,
            under=services.EXPORT_DIR,
            download_name=services.job_download_name(job),
            missing_message=services.job_file_missing_message(),
        )


class ExportLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every export: who, what, filters, identifiable or not and why, when, how many rows
    (administrators and auditors)."""

    serializer_class = ExportLogSerializer
    permission_classes = [ExportLogReaders]
    filterset_class = ExportLogFilter
    queryset = ExportLog.objects.select_related("user")


class ExportCsvParamsSerializer(FilterParamsSerializer, ExportModeSerializer):
    pass


class ExportCsvView(APIView):
    """Stream one dataset as CSV (logged, like every export). Pseudonymised unless
    `identifiable=true` with a `purpose` (auditors and clinicians only)."""

    permission_classes = [Exports]

    @extend_schema(
        parameters=[ExportCsvParamsSerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR, 202: ExportJobSerializer},
        description=_(
            "An export estimated above EXPORT_BACKGROUND_ABOVE_ROWS rows is not streamed (a "
            "download of minutes is cut off by proxy and server timeouts): it is queued as a "
            "background job and the answer is 202 with the job, whose address is in Location."
        ),
    )
    def get(self, request, dataset):
        if datasets.get(dataset) is None:
            raise ValidationError({"dataset": [_("Unknown dataset %(key)s.") % {"key": dataset}]})
        unknown = set(request.query_params) - set(ExportCsvParamsSerializer().fields)
        if unknown:
            raise ValidationError({name: [_("Unknown filter parameter.")] for name in unknown})
        params = ExportCsvParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        mode = {
            "identifiable": params.validated_data["identifiable"],
            "purpose": params.validated_data["purpose"],
        }
        try:
            if services.export_too_large_to_download(
                by=request.user, dataset_key=dataset, filters=params.to_filters()
            ):
                job = services.export_job_request(
                    by=request.user,
                    dataset_key=dataset,
                    file_format=FileFormat.CSV,
                    filters=params.to_filters(),
                    **mode,
                )
                response = Response(ExportJobSerializer(job).data, status=202)
                response["Location"] = reverse("export-job-detail", args=[job.pk])
                return response
            lines = services.export_csv_stream(
                by=request.user,
                dataset_key=dataset,
                filters=params.to_filters(),
                delivery=Delivery.API,
                as_bytes=True,
                **mode,
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return csv_response(lines, services.export_filename(dataset, "csv"))


DASHBOARD_FILTERS = [
    OpenApiParameter("diagnosis", OpenApiTypes.STR, enum=Diagnosis.values),
    OpenApiParameter("infused_from", OpenApiTypes.DATE),
    OpenApiParameter("infused_to", OpenApiTypes.DATE),
]


def _dashboard_scope(params) -> selectors.Scope:
    from .forms import DashboardFilterForm

    form = DashboardFilterForm(params)
    unknown = set(params) - set(form.fields)
    if unknown:
        raise ValidationError({name: [_("Unknown filter parameter.")] for name in unknown})
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form.scope()


def _snapshot_body(snapshot, *, stale: bool) -> dict:
    return {
        **snapshot.data,
        "pfs_censoring": snapshot.data.get("pfs_censoring", outcomes.PFS_FDA_2018),
        "pfs_censoring_text": selectors.pfs_censoring_text(snapshot.data),
        "median_rule_text": str(selectors.MEDIAN_RULE_TEXT),
        "computed_at": snapshot.computed_at.isoformat(),
        "stale": stale,
    }


class DashboardView(APIView):
    """The programme dashboard's numbers (aggregates only), as last computed: `computed_at`
    says when; `stale` is true when they are older than the refresh interval and a worker is
    recomputing them."""

    permission_classes = [Dashboard]

    @extend_schema(parameters=DASHBOARD_FILTERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        scope = _dashboard_scope(request.query_params)
        snapshot, stale = services.dashboard_snapshot_for_reader(scope=scope)
        return Response(_snapshot_body(snapshot, stale=stale))


class DashboardRefreshView(APIView):
    """Recompute the dashboard's numbers now for a filter (clinicians and administrators)."""

    permission_classes = [DashboardRefresh]

    @extend_schema(parameters=DASHBOARD_FILTERS, request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        scope = _dashboard_scope(request.query_params)
        snapshot = services.dashboard_recompute(scope=scope)
        return Response(_snapshot_body(snapshot, stale=False))


class FhirParamsSerializer(serializers.Serializer):
    purpose = serializers.CharField(
        min_length=PURPOSE_MIN_LENGTH, help_text=_("Why this chart is exported.")
    )


class FhirCourseBundleView(APIView):
    """A treatment course as a FHIR R4 Bundle, validated. A bundle is the course's chart:
    auditors and clinicians only, with a `purpose`; administrators are refused."""

    permission_classes = [IdentifiableExports]

    @extend_schema(
        parameters=[FhirParamsSerializer],
        responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request, pk):
        unknown = set(request.query_params) - {"purpose", "format"}
        if unknown:
            raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
        params = FhirParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        if not fhir.fhir_available():
            raise FhirUnavailable
        course = selectors.course_for_export(request.user, pk)
        bundle = fhir.course_bundle(course)
        fhir.validate_bundle(bundle)
        services.fhir_export_log(
            by=request.user,
            course=course,
            resources=len(bundle["entry"]),
            purpose=params.validated_data["purpose"],
        )
        return Response(bundle)
