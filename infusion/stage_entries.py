"""The stages infusion owns and the record each needs (patients/stage_entry.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import rules as course_rules
from patients import stage_entry

from . import rules, selectors
from .models import BridgingTherapy, InfusionRecord


def bridging_missing(course) -> str | None:
    if BridgingTherapy.objects.filter(course=course).exists():
        return None
    return _("No bridging therapy has been recorded: record it on the course's Infusion page.")


def lymphodepletion_evidence_missing(course) -> str | None:
    missing = []
    receipt = selectors.receipt_for(course)
    manufacturing = getattr(receipt.collection, "manufacturing", None) if receipt else None
    if manufacturing is None or manufacturing.status not in (
        rules.RELEASED,
        rules.RELEASED_OUT_OF_SPEC,
    ):
        missing.append(
            _(
                "the product released by the manufacturer and received at the centre "
                "(Apheresis page)"
            )
        )
    if not selectors.plan_is_verified(selectors.plan_for(course)):
        missing.append(_("a lymphodepletion plan verified by a pharmacist (Infusion page)"))
    if not missing:
        return None
    return _("Lymphodepletion cannot start without %(missing)s.") % {
        "missing": _(" and ").join(missing)
    }


def infusion_evidence_missing(course) -> str | None:
    if InfusionRecord.objects.filter(course=course, gate_review__passed=True).exists():
        return None
    return _(
        "No infusion has been recorded after a passed pre-infusion gate review: review the "
        "gate and record the infusion on the course's Infusion page."
    )


def monitoring_evidence_missing(course) -> str | None:
    if InfusionRecord.objects.filter(course=course).exists():
        return None
    return _("No infusion has been recorded: record it on the course's Infusion page.")


# --- Demo records: the evidence of a demo course walked back in time (seed_demo, tests). ---


def _at(on, hour: int):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(on, time(hour)))


def _demo_bridging(*, course, by, on) -> None:
    BridgingTherapy.objects.create(course=course, regimen="R-GemOx", started_on=on, recorded_by=by)


def _demo_plan(*, course, by, on) -> None:
    """The plan made and verified (the product's release and receipt are apheresis' rows,
    registered by apheresis as a demo step before lymphodepletion)."""
    from decimal import Decimal

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from core.models import Signature, SignatureMeaning
    from core.signatures import fingerprint, signed_fields_of

    plan = selectors.plan_for(course)
    if plan is None:
        # Its doses were given weeks ago (the service plans only from today): the plan's
        # header as a row, with the catalogue's regimen for the product.
        from patients.rules import body_surface_area_m2

        from .models import REGIMEN_CHOICES, LymphodepletionPlan

        patient = course.patient
        keys = selectors.regimen_keys_for(course) or [REGIMEN_CHOICES[0][0]]
        bsa = Decimal(
            str(
                round(
                    body_surface_area_m2(
                        height_cm=float(patient.height_cm), weight_kg=float(patient.weight_kg)
                    ),
                    2,
                )
            )
        )
        plan = LymphodepletionPlan.objects.create(
            course=course,
            regimen_key=keys[0],
            weight_kg=patient.weight_kg,
            height_cm=patient.height_cm,
            crcl_ml_min=Decimal("90"),
            crcl_method="Demo: entered by the clinician",
            bsa_m2=bsa,
            uncapped_bsa_m2=bsa,
            created_by=by,
        )
    if not selectors.plan_is_verified(plan):
        # The pharmacist's verification as a row: the demo knows no password to sign with.
        Signature.objects.create(
            content_type=ContentType.objects.get_for_model(plan),
            object_id=plan.pk,
            meaning=SignatureMeaning.VERIFIED_BY,
            signer=by,
            signer_name=by.get_full_name() or by.username,
            signed_at=timezone.now(),
            signed_fields=list(signed_fields_of(plan)),
            fingerprint=fingerprint(plan),
            record_version=plan.version,
        )


def _demo_infusion(*, course, by, on) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from .models import GateReview

    review, _created = GateReview.objects.get_or_create(
        course=course,
        review_date=on,
        passed=True,
        defaults={"items": [], "reviewed_by": by, "reviewed_at": timezone.now()},
    )
    InfusionRecord.objects.get_or_create(
        course=course,
        defaults={
            "gate_review": review,
            "started_at": _at(on, 10),
            "ended_at": _at(on, 10),
            "bags_infused": 1,
            "dose_cells_10e6": Decimal("140"),
            "temperature_c": Decimal("36.8"),
            "heart_rate_bpm": 78,
            "systolic_bp_mmhg": 122,
            "diastolic_bp_mmhg": 76,
            "spo2_percent": 98,
            "recorded_by": by,
        },
    )


def register() -> None:
    stage_entry.register(
        stage=course_rules.BRIDGING,
        service="infusion.services.bridging_record",
        evidence_missing=bridging_missing,
        demo_record=_demo_bridging,
        record_where=gettext_lazy("the course's Infusion page (record the bridging therapy)"),
    )
    stage_entry.register(
        stage=course_rules.LYMPHODEPLETION,
        service="infusion.services.lymphodepletion_start",
        evidence_missing=lymphodepletion_evidence_missing,
        demo_record=_demo_plan,
        record_where=gettext_lazy("the course's Infusion page (start lymphodepletion)"),
    )
    stage_entry.register(
        stage=course_rules.INFUSION,
        service="infusion.services.infusion_record",
        evidence_missing=infusion_evidence_missing,
        demo_record=_demo_infusion,
        record_where=gettext_lazy("the course's Infusion page (record the infusion)"),
    )
    stage_entry.register(
        stage=course_rules.MONITORING,
        service="infusion.services.infusion_record",
        evidence_missing=monitoring_evidence_missing,
        demo_record=_demo_infusion,
        record_where=gettext_lazy("the course's Infusion page (record the infusion)"),
    )
