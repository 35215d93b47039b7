"""Serializers of the pharmacist's signature of a plan."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    PlanSignature,
)


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


class PlanVerifySerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    version = serializers.IntegerField(help_text=_("The plan version you verified."))
