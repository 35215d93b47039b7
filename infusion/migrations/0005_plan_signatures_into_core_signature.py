"""The pharmacist's plan signatures move into the one signature model, core.Signature
(issue 15 item 5). Each keeps who signed, when, the meaning, the plan version signed and why it
was voided, and gains the fingerprint of the plan version she signed (from the plan's history).
Its history rows are copied too, so the audit trail of each signature is unbroken."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations

# What a plan signature covers: infusion.models.LymphodepletionPlan's @signable fields, as
# they were when this migration was written (a migration must not follow later code).
SIGNED_FIELDS = [
    "course",
    "regimen_key",
    "weight_kg",
    "height_cm",
    "crcl_ml_min",
    "renal_table",
    "bsa_m2",
    "version",
]
MEANINGS = {"verified": "verified_by"}
COPIED = ["signer_name", "signed_at", "voided_at", "void_reason"]


def _fingerprint(plan_version_row) -> str:
    # core.signatures.fingerprint: sha256 of the signed fields' column values as sorted JSON.
    values = {}
    for name in SIGNED_FIELDS:
        field = plan_version_row._meta.get_field(name)
        values[name] = getattr(plan_version_row, field.attname)
    text = json.dumps(values, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _plan_as_signed(apps, old):
    """The plan as the pharmacist saw it: its history row of the version she signed."""
    HistoricalPlan = apps.get_model("infusion", "HistoricalLymphodepletionPlan")
    Plan = apps.get_model("infusion", "LymphodepletionPlan")
    seen = (
        HistoricalPlan.objects.filter(
            id=old.plan_id, version=old.plan_version, history_date__lte=old.signed_at
        )
        .order_by("-history_date", "-history_id")
        .first()
    )
    return seen or Plan.objects.get(pk=old.plan_id)


def forward(apps, schema_editor):
    PlanSignature = apps.get_model("infusion", "PlanSignature")
    HistoricalPlanSignature = apps.get_model("infusion", "HistoricalPlanSignature")
    Signature = apps.get_model("core", "Signature")
    HistoricalSignature = apps.get_model("core", "HistoricalSignature")
    ContentType = apps.get_model("contenttypes", "ContentType")
    plan_type, _ = ContentType.objects.get_or_create(
        app_label="infusion", model="lymphodepletionplan"
    )
    for old in PlanSignature.objects.order_by("signed_at", "id"):
        new = Signature.objects.create(
            content_type=plan_type,
            object_id=old.plan_id,
            meaning=MEANINGS.get(old.meaning, old.meaning),
            signer_id=old.signed_by_id,
            signed_fields=SIGNED_FIELDS,
            fingerprint=_fingerprint(_plan_as_signed(apps, old)),
            record_version=old.plan_version,
            **{name: getattr(old, name) for name in COPIED},
        )
        for version in HistoricalPlanSignature.objects.filter(id=old.id).order_by(
            "history_date", "history_id"
        ):
            HistoricalSignature.objects.create(
                id=new.id,
                content_type_id=plan_type.id,
                object_id=old.plan_id,
                meaning=MEANINGS.get(version.meaning, version.meaning),
                signer_id=version.signed_by_id,
                signed_fields=SIGNED_FIELDS,
                fingerprint=new.fingerprint,
                record_version=version.plan_version,
                history_date=version.history_date,
                history_type=version.history_type,
                history_user_id=version.history_user_id,
                history_change_reason=version.history_change_reason,
                **{name: getattr(version, name) for name in COPIED},
            )


def backward(apps, schema_editor):
    """Back to infusion's own table (the copied history rows stay: history is append-only)."""
    PlanSignature = apps.get_model("infusion", "PlanSignature")
    Signature = apps.get_model("core", "Signature")
    ContentType = apps.get_model("contenttypes", "ContentType")
    plan_type = ContentType.objects.filter(
        app_label="infusion", model="lymphodepletionplan"
    ).first()
    if plan_type is None:
        return
    reverse_meanings = {new: old for old, new in MEANINGS.items()}
    signatures = Signature.objects.filter(content_type=plan_type).order_by("signed_at", "id")
    for new in signatures:
        PlanSignature.objects.create(
            plan_id=new.object_id,
            plan_version=new.record_version or 0,
            meaning=reverse_meanings.get(new.meaning, new.meaning),
            signed_by_id=new.signer_id,
            **{name: getattr(new, name) for name in COPIED},
        )
    signatures.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0008_signature_record_version"),
        ("infusion", "0004_history_change_reason_text"),
    ]

    operations = [migrations.RunPython(forward, backward)]
