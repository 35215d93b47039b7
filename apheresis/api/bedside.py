"""The bedside bag check on the day of infusion (apheresis.services.bedside_verify)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.permissions import BEDSIDE_ROLES, ReadsPatients
from patients.api import VisibleCourseField

from .. import selectors, services
from ..models import BagVerification
from .serializers import _service


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
        return _service(services.bedside_verify, by=self.context["request"].user, **data)


class BedsideFilter(filters.FilterSet):
    course = filters.NumberFilter(field_name="course_id")

    class Meta:
        model = BagVerification
        fields = ["course"]


class BedsideVerificationViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The bag's COI ID checked against the patient at the bedside, by two different people."""

    serializer_class = BedsideVerificationSerializer
    filterset_class = BedsideFilter
    permission_classes = [ReadsPatients]
    write_roles = frozenset(BEDSIDE_ROLES)
    ordering = ["-verified_at", "-id"]

    def get_queryset(self):
        return selectors.bedside_verifications_visible_to(self.request.user)
