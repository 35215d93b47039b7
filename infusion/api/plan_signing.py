"""Serializers of the pharmacist's signature of a plan (a core.Signature)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import Signature
from core.system_text_legacy import translate


class PlanSignatureSerializer(serializers.ModelSerializer):
    """The plan's signatures under the names the API has always used."""

    plan_version = serializers.IntegerField(source="record_version", read_only=True)
    signed_by = serializers.PrimaryKeyRelatedField(source="signer", read_only=True)
    void_reason_shown = serializers.SerializerMethodField(
        help_text=_("The void reason in the reader's language (void_reason is as stored).")
    )

    class Meta:
        model = Signature
        fields = [
            "id",
            "plan_version",
            "meaning",
            "signed_by",
            "signer_name",
            "signed_at",
            "voided_at",
            "void_reason",
            "void_reason_shown",
        ]
        read_only_fields = fields

    def get_void_reason_shown(self, signature: Signature) -> str:
        return translate(signature.void_reason or "")


class PlanVerifySerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    version = serializers.IntegerField(help_text=_("The plan version you verified."))
