"""REST endpoints for informed consent."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from core.files import protected_file_response
from core.filters import CourseRecordFilter
from core.models import User
from core.parsers import DepthLimitedJSONParser
from core.permissions import ReadsPatients
from eligibility import selectors, services
from eligibility.models import (
    CONSENT_ITEMS,
    ConsentRecord,
)
from patients.api import as_drf_error
from patients.models import TreatmentCourse

from .screening import _visible_course

# --- Consent --------------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer):
    course = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentCourse.objects.select_related("patient")
    )
    explained_by = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    document = serializers.FileField(
        write_only=True, help_text=_("PDF, JPEG or PNG, at most 10 MB.")
    )
    document_url = serializers.SerializerMethodField()
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "course",
            "consented_on",
            "explained_by",
            *CONSENT_ITEMS,
            "document",
            "document_name",
            "document_url",
            "notes",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["document_name", "recorded_at"]
        # The service names each item left unexplained; the model's constraint is not
        # turned into a generic serializer error.
        validators = []

    def validate_course(self, course):
        return _visible_course(self, course)

    def get_document_url(self, consent) -> str:
        return reverse("eligibility-consent-document", kwargs={"pk": consent.pk})

    def create(self, validated_data):
        try:
            return services.consent_record(by=self.context["request"].user, **validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class ConsentFilter(CourseRecordFilter):
    class Meta:
        model = ConsentRecord
        fields = ["course"]


class ConsentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Informed consent records (multipart upload of the signed document)."""

    serializer_class = ConsentSerializer
    permission_classes = [ReadsPatients]
    filterset_class = ConsentFilter
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]
    queryset = ConsentRecord.objects.none()
    ordering = ["-consented_on", "-id"]

    def get_queryset(self):
        return selectors.consents_visible_to(self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="document", url_name="document")
    def document(self, request, pk=None):
        """The signed consent document."""
        consent = self.get_object()
        return protected_file_response(
            request,
            name=consent.document.name,
            download_name=consent.document_name or consent.document.name.rsplit("/", 1)[-1],
        )
