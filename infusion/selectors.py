"""Reads of bridging, lymphodepletion and the pre-infusion gate, through the role rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from apheresis import selectors as apheresis_selectors
from catalogue import selectors as catalogue_selectors
from core.models import Ward
from core.signatures import fingerprint
from patients.models import Stage, TreatmentCourse
from patients.selectors import courses_visible_to

from . import rules
from .models import (
    BridgingTherapy,
    GateOverride,
    GateReview,
    LymphodepletionPlan,
    PlannedDose,
    PreInfusionCheck,
    TocilizumabStockCheck,
    VitalSignLimit,
)

# --- Access --------------------------------------------------------------------------------


def plans_visible_to(user) -> QuerySet[LymphodepletionPlan]:
    return LymphodepletionPlan.objects.filter(
        course__in=courses_visible_to(user).values("pk")
    ).select_related("course__patient__ward", "course__product", "created_by")


def doses_visible_to(user) -> QuerySet[PlannedDose]:
    return PlannedDose.objects.filter(
        plan__course__in=courses_visible_to(user).values("pk")
    ).select_related("plan__course__patient__ward", "administration")


def dose_for_user(user, pk) -> PlannedDose:
    try:
        return doses_visible_to(user).get(pk=pk)
    except (PlannedDose.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def bridging_visible_to(user) -> QuerySet[BridgingTherapy]:
    return BridgingTherapy.objects.filter(course__in=courses_visible_to(user).values("pk"))


def bridging_for_user(user, pk) -> BridgingTherapy:
    try:
        return bridging_visible_to(user).select_related("course__patient").get(pk=pk)
    except (BridgingTherapy.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Plan ----------------------------------------------------------------------------------


def plan_for(course: TreatmentCourse) -> LymphodepletionPlan | None:
    return LymphodepletionPlan.objects.filter(course=course).first()


def plan_doses(plan: LymphodepletionPlan) -> list[PlannedDose]:
    return list(
        plan.doses.select_related("administration__given_by", "decided_by").order_by(
            "day_number", "id"
        )
    )


def plan_is_verified(plan: LymphodepletionPlan | None) -> bool:
    if plan is None:
        return False
    signature = plan.active_signature
    # Valid, given for this version, and the plan is still what was signed (core.Signature).
    return (
        signature is not None
        and signature.record_version == plan.version
        and signature.fingerprint == fingerprint(plan)
    )


def regimen_keys_for(course: TreatmentCourse) -> list[str]:
    """The catalogue's lymphodepletion regimens for the course's product and diagnosis."""
    return catalogue_selectors.regimen_keys(course.product, course.patient.diagnosis)


def screening_crcl(course: TreatmentCourse):
    # The reverse one-to-one raises (an AttributeError) when there is no screening.
    screening = getattr(course, "screening", None)
    return getattr(screening, "crcl_ml_min", None)


def latest_bridging_end(course: TreatmentCourse) -> tuple[bool, date | None]:
    """(any bridging recorded, its latest end date or None while one is still running)."""
    therapies = list(course.bridging_therapies.all())
    if not therapies:
        return False, None
    if any(t.ended_on is None for t in therapies):
        return True, None
    return True, max(t.ended_on for t in therapies)


def bridging_timing_for(course: TreatmentCourse, plan: LymphodepletionPlan | None):
    had, ended = latest_bridging_end(course)
    if not had:
        return None
    first = min((d.planned_on for d in plan.doses.all()), default=None) if plan else None
    return rules.bridging_timing(bridging_ended_on=ended, first_lymphodepletion_on=first)


# --- Gate ----------------------------------------------------------------------------------


def _day_bounds(on: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(on, time.min), tz)
    return start, start + timedelta(days=1)


def vital_limits() -> tuple[rules.VitalLimit, ...]:
    """The default limits with the centre's rows laid over them."""
    rows = {row.code: row for row in VitalSignLimit.objects.all()}
    limits = []
    for default in rules.DEFAULT_VITAL_LIMITS:
        row = rows.get(default.code)
        if row is None:
            limits.append(default)
        else:
            limits.append(
                rules.VitalLimit(
                    default.code, default.label, default.unit, row.min_value, row.max_value
                )
            )
    return tuple(limits)


def bedside_check_on(course: TreatmentCourse, on: date) -> PreInfusionCheck | None:
    start, end = _day_bounds(on)
    return (
        PreInfusionCheck.objects.filter(course=course, checked_at__gte=start, checked_at__lt=end)
        .order_by("-checked_at", "-id")
        .first()
    )


def stock_check_valid(course: TreatmentCourse, on: date) -> TocilizumabStockCheck | None:
    _, end = _day_bounds(on)
    reference = min(timezone.now(), end)
    return (
        TocilizumabStockCheck.objects.filter(
            course=course,
            confirmed_at__lte=reference,
            confirmed_at__gt=reference - rules.TOCILIZUMAB_STOCK_VALID,
        )
        .order_by("-confirmed_at", "-id")
        .first()
    )


def bedside_verifiers(course: TreatmentCourse, on: date) -> list:
    return apheresis_selectors.bedside_verifiers(course, on)


def receipt_for(course: TreatmentCourse):
    return apheresis_selectors.receipt_for_course(course)


def _manufacturing_status(course: TreatmentCourse, receipt) -> str | None:
    if receipt is not None:
        record = getattr(receipt.collection, "manufacturing", None)
        return record.status if record else None
    collection = (
        course.collections.select_related("manufacturing").order_by("-collected_at").first()
    )
    record = getattr(collection, "manufacturing", None) if collection else None
    return record.status if record else None


def gate_facts(course: TreatmentCourse, *, on: date) -> rules.GateFacts:
    receipt = receipt_for(course)
    plan = plan_for(course)
    outstanding = 0
    if plan is not None:
        outstanding = plan.doses.filter(omitted=False, administration__isnull=True).count()
    stock = stock_check_valid(course, on)
    check = bedside_check_on(course, on)
    bedside = None
    if check is not None:
        bedside = rules.BedsideFacts(
            active_uncontrolled_infection=check.active_uncontrolled_infection,
            new_organ_dysfunction=check.new_organ_dysfunction,
            vitals=check.vitals,
            paracetamol_given=check.paracetamol_given,
            antihistamine_given=check.antihistamine_given,
            prophylactic_steroid_given=check.prophylactic_steroid_given,
        )
    return rules.GateFacts(
        product_received=receipt is not None,
        manufacturing_status=_manufacturing_status(course, receipt),
        lymphodepletion_plan_verified=plan_is_verified(plan),
        lymphodepletion_doses_outstanding=outstanding,
        coi_verifier_count=len(bedside_verifiers(course, on)),
        tocilizumab_doses=stock.doses_available if stock else None,
        bedside=bedside,
    )


def overrides_on(course: TreatmentCourse, on: date) -> list[GateOverride]:
    start, end = _day_bounds(on)
    return list(
        GateOverride.objects.filter(
            course=course, overridden_at__gte=start, overridden_at__lt=end
        ).select_related("overridden_by")
    )


def gate_evaluate(course: TreatmentCourse, *, on: date | None = None) -> rules.GateResult:
    on = on or timezone.localdate()
    covered: dict[str, set[str]] = {}
    for override in overrides_on(course, on):
        covered.setdefault(override.item, set()).add(override.observed)
    return rules.evaluate_gate(gate_facts(course, on=on), limits=vital_limits(), overrides=covered)


def current_review(course: TreatmentCourse, on: date) -> GateReview | None:
    """Today's passed review, unless a newer fact made it out of date: the infusion stage's own
    facts mark it superseded when written; a later bedside bag scan (apheresis' record)
    outdates it here."""
    reviews = GateReview.objects.filter(
        course=course, review_date=on, passed=True, superseded_at__isnull=True
    )
    last_scan = apheresis_selectors.last_bedside_check_at(course)
    if last_scan is not None:
        # The same instant counts as after: a clock frozen in tests, never two real writes.
        reviews = reviews.filter(reviewed_at__gte=last_scan)
    return reviews.order_by("-reviewed_at", "-id").first()


# --- Worklists -----------------------------------------------------------------------------


def plans_to_verify(user) -> list[LymphodepletionPlan]:
    plans = plans_visible_to(user).filter(course__stage__in=PRE_INFUSION_STAGES)
    return [p for p in plans.prefetch_related("signatures", "doses") if not plan_is_verified(p)]


PRE_INFUSION_STAGES = (Stage.MANUFACTURING, Stage.BRIDGING, Stage.LYMPHODEPLETION)


def administrations_due(user, on: date) -> list[PlannedDose]:
    """Doses planned for the day (given or not), for the nurse's list."""
    return list(
        doses_visible_to(user)
        .filter(planned_on=on, omitted=False, plan__course__stage=Stage.LYMPHODEPLETION)
        .select_related("plan__course__product")
        .order_by("plan__course__patient__family_name", "day_number", "id")
    )


def infusions_due(user, on: date) -> QuerySet[TreatmentCourse]:
    return (
        courses_visible_to(user)
        .filter(stage=Stage.LYMPHODEPLETION, planned_day0_date__lte=on)
        .order_by("planned_day0_date", "patient__family_name")
    )


def gate_worklist(user, on: date) -> QuerySet[TreatmentCourse]:
    """Courses whose planned Day 0 is within the next three days (or overdue)."""
    return (
        courses_visible_to(user)
        .filter(stage=Stage.LYMPHODEPLETION, planned_day0_date__lte=on + timedelta(days=3))
        .order_by("planned_day0_date", "patient__family_name")
    )


def gates_waiting_for_stock_check(user, on: date) -> list[TreatmentCourse]:
    """The pharmacist's gate reviews: courses near infusion (the gate list) whose gate still
    lacks a tocilizumab stock check valid on the day (the same window the gate uses)."""
    _, end = _day_bounds(on)
    reference = min(timezone.now(), end)
    valid = TocilizumabStockCheck.objects.filter(
        course=OuterRef("pk"),
        confirmed_at__lte=reference,
        confirmed_at__gt=reference - rules.TOCILIZUMAB_STOCK_VALID,
    )
    return list(
        gate_worklist(user, on).exclude(Exists(valid)).select_related("patient__ward", "product")
    )


def plans_to_prescribe(user) -> QuerySet[TreatmentCourse]:
    """Courses whose cells are being made (or bridged) without a lymphodepletion plan yet:
    the clinician prescribes it, the pharmacist then verifies it."""
    return (
        courses_visible_to(user)
        .filter(stage__in=(Stage.MANUFACTURING, Stage.BRIDGING), lymphodepletion_plan__isnull=True)
        .select_related("patient", "product")
        .order_by("planned_day0_date", "referred_on", "id")
    )


def gate_reviews_due(user, on: date) -> QuerySet[TreatmentCourse]:
    """Courses to be infused on the day (or overdue) whose gate has no passed review yet."""
    passed = GateReview.objects.filter(
        course=OuterRef("pk"), review_date=on, passed=True, superseded_at__isnull=True
    )
    return (
        gate_worklist(user, on)
        .filter(planned_day0_date__lte=on)
        .exclude(Exists(passed))
        .select_related("patient__ward", "product")
    )


@dataclass(frozen=True)
class WardStock:
    """A ward's latest tocilizumab count: the stock sits on the ward, whichever patient's
    gate it was confirmed for."""

    ward: Ward
    check: TocilizumabStockCheck | None
    current: bool  # confirmed within the last 24 h (rules.TOCILIZUMAB_STOCK_VALID)


def tocilizumab_stock_by_ward(user, *, now: datetime | None = None) -> list[WardStock]:
    """Each ward with a patient under way (visible to the user): its latest stock count."""
    now = now or timezone.now()
    active = courses_visible_to(user).exclude(stage__in=sorted(_ENDED_STAGES))
    latest = TocilizumabStockCheck.objects.filter(
        course__patient__ward=OuterRef("pk"), confirmed_at__lte=now
    ).order_by("-confirmed_at", "-id")
    wards = list(
        Ward.objects.filter(pk__in=active.values("patient__ward"))
        .annotate(latest_check_id=Subquery(latest.values("pk")[:1]))
        .order_by("name")
    )
    checks = TocilizumabStockCheck.objects.select_related("confirmed_by").in_bulk(
        [w.latest_check_id for w in wards if w.latest_check_id]
    )
    rows = []
    for ward in wards:
        check = checks.get(ward.latest_check_id)
        current = check is not None and check.confirmed_at > now - rules.TOCILIZUMAB_STOCK_VALID
        rows.append(WardStock(ward=ward, check=check, current=current))
    return rows


_ENDED_STAGES = frozenset({Stage.COMPLETED, Stage.WITHDRAWN, Stage.DECEASED, Stage.NOT_ELIGIBLE})


def course_overview(course: TreatmentCourse) -> dict:
    plan = plan_for(course)
    return {
        "plan": plan,
        "doses": plan_doses(plan) if plan else [],
        "verified": plan_is_verified(plan),
        "signatures": (
            list(plan.signatures.select_related("signer").order_by("-signed_at", "-id"))
            if plan
            else []
        ),
        "bridging": list(course.bridging_therapies.select_related("recorded_by")),
        "bridging_timing": bridging_timing_for(course, plan),
        "day0_changes": list(course.day0_changes.select_related("changed_by")),
        "overrides": list(
            course.gate_overrides.select_related("overridden_by").order_by("-overridden_at")
        ),
        "reviews": list(course.gate_reviews.select_related("reviewed_by")[:10]),
        "infusion": getattr(course, "infusion_record", None),
    }
