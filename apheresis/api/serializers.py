"""Serializers of the apheresis API; writes call apheresis.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from core.api_units import MeasuredUnitsMixin
from patients.api import as_drf_error
from patients.selectors import course_for_user

from .. import selectors, services, text
from ..models import (
    BagVerification,
    ChainOfIdentity,
    CheckOverride,
    Collection,
    CollectionSchedule,
    CustodyEvent,
    ManufacturingRecord,
    OutOfSpecResult,
    ProductReceipt,
    ScheduleStatus,
    VerificationPurpose,
)


def _service(call, **kwargs):
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


def _visible_course(serializer, course):
    try:
        return course_for_user(serializer.context["request"].user, course.pk)
    except Exception:
        raise serializers.ValidationError(_("Invalid pk - object does not exist.")) from None


# --- Serializers ---------------------------------------------------------------------------


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    passed = serializers.BooleanField()
    blocks = serializers.BooleanField()
    observed = serializers.CharField()
    message = serializers.CharField()
    overridden_by = serializers.CharField(allow_null=True)
    override_reason = serializers.CharField(allow_null=True)


class OverrideSerializer(serializers.Serializer):
    check_code = serializers.CharField(max_length=40)
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class ScheduleSerializer(MeasuredUnitsMixin, serializers.ModelSerializer):
    # Pre-collection counts may be sent in the unit the laboratory reports (issue 16 item 9).
    measured_fields = {"alc_10e9_l": ("lymphocytes", 2), "cd3_cells_per_ul": ("cd3", 0)}
    checks = serializers.SerializerMethodField()
    coi_id = serializers.SerializerMethodField()

    class Meta:
        model = CollectionSchedule
        fields = [
            "id",
            "course",
            "coi_id",
            *services.SCHEDULE_FIELDS,
            "status",
            "cancel_reason",
            "created_by",
            "created_at",
            "version",
            "units",
            "checks",
            "lab_sources",
        ]
        read_only_fields = ["status", "cancel_reason", "created_by", "created_at", "lab_sources"]
        extra_kwargs = {
            "version": {
                "required": False,
                "help_text": _("Required on update: the version you read. A stale one is refused."),
            }
        }

    validate_course = _visible_course

    @extend_schema(responses=CheckSerializer(many=True))
    def get_checks(self, schedule) -> list[dict]:
        if schedule.status != ScheduleStatus.PLANNED:
            return []
        return [
            {
                "code": row.check.code,
                "label": row.label,
                "passed": row.check.passed,
                "blocks": row.blocks,
                "observed": row.check.observed,
                "message": row.message,
                "overridden_by": str(row.covering.overridden_by) if row.covering else None,
                "override_reason": row.covering.reason if row.covering else None,
            }
            for row in selectors.schedule_check_rows(schedule)
        ]

    def get_coi_id(self, schedule) -> str | None:
        coi = selectors.coi_for(schedule.course)
        return coi.coi_id if coi else None

    def validate(self, attrs):
        if self.instance is not None:
            if "version" not in self.initial_data:
                raise serializers.ValidationError({"version": [_("Send the version you read.")]})
            if "course" in attrs:
                raise serializers.ValidationError({"course": [_("A booking cannot move course.")]})
        return attrs

    def update(self, instance, validated_data):
        validated_data.pop("version", None)
        try:
            version = int(self.initial_data["version"])
        except (TypeError, ValueError):
            raise serializers.ValidationError({"version": [_("A whole number.")]}) from None
        return _service(
            services.schedule_update,
            by=self.context["request"].user,
            schedule=instance,
            expected_version=version,
            **validated_data,
        )

    def create(self, validated_data):
        course = validated_data.pop("course")
        validated_data.pop("version", None)
        return _service(
            services.schedule_create,
            by=self.context["request"].user,
            course=course,
            **validated_data,
        )


class CustodyEventSerializer(serializers.ModelSerializer):
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = CustodyEvent
        fields = [
            "id",
            "collection",
            "coi_id",
            "kind",
            "occurred_at",
            "place",
            "handled_by",
            "temperature_c",
            "notes",
            "corrects",
            "void",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["coi_id", "corrects", "void", "recorded_by", "recorded_at"]

    def validate_collection(self, collection):
        try:
            return selectors.collection_for_user(self.context["request"].user, collection.pk)
        except Exception:
            raise serializers.ValidationError(_("Invalid pk - object does not exist.")) from None

    def validate_kind(self, kind):
        if kind in services.RECORDED_ELSEWHERE:
            raise serializers.ValidationError(
                _("This step is logged by its collection or product receipt record.")
            )
        return kind

    def create(self, validated_data):
        return _service(services.custody_record, by=self.context["request"].user, **validated_data)


class CorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)
    occurred_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, max_length=200)
    handled_by = serializers.CharField(required=False, max_length=200)
    temperature_c = serializers.DecimalField(
        required=False, allow_null=True, max_digits=5, decimal_places=1
    )
    void = serializers.BooleanField(default=False)


class OutOfSpecSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutOfSpecResult
        fields = ["id", "parameter", "result", "specification", "notes", "recorded_at"]
        read_only_fields = ["recorded_at"]


class ManufacturingSerializer(serializers.ModelSerializer):
    oos_results = OutOfSpecSerializer(many=True, read_only=True)
    version = serializers.IntegerField(help_text=_("The version you read; a stale one is refused."))

    class Meta:
        model = ManufacturingRecord
        fields = [
            "coi_id",
            *services.MANUFACTURING_FIELDS,
            "oos_results",
            "updated_at",
            "version",
        ]
        read_only_fields = ["coi_id", "updated_at"]


class ReceiptSerializer(serializers.ModelSerializer):
    place = serializers.CharField(write_only=True, max_length=200)
    temperature_c = serializers.DecimalField(
        write_only=True, required=False, allow_null=True, max_digits=5, decimal_places=1
    )
    notes = serializers.CharField(write_only=True, required=False, allow_blank=True)
    release_certificate = serializers.FileField(write_only=True)

    class Meta:
        model = ProductReceipt
        fields = [
            "coi_id",
            "lot_number",
            "received_at",
            "bag_count",
            "total_cells_10e6",
            "dose_per_kg_10e6",
            "weight_kg_for_dose",
            "viability_percent",
            "release_certificate",
            "storage_location",
            "received_by",
            "place",
            "temperature_c",
            "notes",
        ]
        read_only_fields = ["coi_id", "dose_per_kg_10e6", "weight_kg_for_dose", "received_by"]


class VeinToVeinSerializer(serializers.Serializer):
    basis = serializers.CharField()
    calendar_days = serializers.IntegerField()
    elapsed_hours = serializers.FloatField(allow_null=True)
    planned_days = serializers.IntegerField(allow_null=True)


class OverrideRecordSerializer(serializers.ModelSerializer):
    overridden_by = serializers.StringRelatedField()

    class Meta:
        model = CheckOverride
        fields = ["check_code", "observed", "reason", "overridden_by", "overridden_at"]


class CollectionSerializer(serializers.ModelSerializer):
    overrides = OverrideRecordSerializer(source="schedule.overrides", many=True, read_only=True)
    manufacturing = ManufacturingSerializer(read_only=True)
    receipt = serializers.SerializerMethodField()
    vein_to_vein = serializers.SerializerMethodField()
    custody_status = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = [
            "id",
            "course",
            "schedule",
            "coi_id",
            "collected_at",
            "blood_volumes_processed",
            "product_volume_ml",
            "total_nucleated_cells_10e9",
            "cd3_cells_10e9",
            "adverse_events",
            "staff",
            "recorded_by",
            "recorded_at",
            "overrides",
            "custody_status",
            "manufacturing",
            "receipt",
            "vein_to_vein",
        ]
        read_only_fields = ["course", "coi_id", "recorded_by", "recorded_at"]

    def validate_schedule(self, schedule):
        try:
            return selectors.schedule_for_user(self.context["request"].user, schedule.pk)
        except Exception:
            raise serializers.ValidationError(_("Invalid pk - object does not exist.")) from None

    @extend_schema(responses=ReceiptSerializer(allow_null=True))
    def get_receipt(self, collection) -> dict | None:
        receipt = ProductReceipt.objects.filter(collection=collection).first()
        return ReceiptSerializer(receipt).data if receipt else None

    @extend_schema(responses=VeinToVeinSerializer)
    def get_vein_to_vein(self, collection) -> dict:
        v = selectors.vein_to_vein_for(collection)
        return {
            "basis": v.basis,
            "calendar_days": v.calendar_days,
            "elapsed_hours": v.elapsed_hours,
            "planned_days": v.planned_days,
        }

    def get_custody_status(self, collection) -> str | None:
        steps = selectors.effective_steps(collection)
        return steps[-1].kind if steps else None

    def create(self, validated_data):
        return _service(
            services.collection_record, by=self.context["request"].user, **validated_data
        )


class BagVerificationSerializer(serializers.ModelSerializer):
    verified_by = serializers.StringRelatedField()
    matched = serializers.BooleanField(read_only=True)
    message = serializers.SerializerMethodField()
    purpose = serializers.ChoiceField(choices=VerificationPurpose.choices)

    class Meta:
        model = BagVerification
        fields = [
            "id",
            "course",
            "scanned_text",
            "purpose",
            "expected_coi_id",
            "result",
            "matched",
            "message",
            "verified_by",
            "verified_at",
        ]
        read_only_fields = ["expected_coi_id", "result", "verified_by", "verified_at"]
        extra_kwargs = {"scanned_text": {"allow_blank": True}}

    validate_course = _visible_course

    def get_message(self, verification) -> str:
        return str(text.SCAN_MESSAGES[verification.result])


class ChainOfIdentitySerializer(serializers.ModelSerializer):
    double_verified = serializers.SerializerMethodField()
    verified_by = serializers.SerializerMethodField()

    class Meta:
        model = ChainOfIdentity
        fields = ["id", "course", "coi_id", "issued_at", "double_verified", "verified_by"]

    def get_double_verified(self, coi) -> bool:
        return selectors.coi_double_verified(coi.course)

    def get_verified_by(self, coi) -> list[str]:
        return [str(u) for u in selectors.coi_verifiers(coi.course)]
