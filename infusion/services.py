"""Every write of bridging, lymphodepletion, Day 0, the pre-infusion gate and the infusion.
Views, API, admin and demo data call these and nothing else; each checks the role again,
whatever the caller checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apheresis import services as apheresis_services
from apheresis.models import BagVerification, VerificationPurpose
from core.models import SignatureMeaning as SignOffMeaning
from core.models import User
from core.roles import Role
from core.signatures import password_first, signature_sign
from patients import rules as patient_rules
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse
from patients.selectors import user_can_see_patient

from . import dosing, renal, rules, selectors, text
from .models import (
    Administration,
    BridgingResponse,
    BridgingTherapy,
    Day0Change,
    GateOverride,
    GateReview,
    InfusionRecord,
    LymphodepletionPlan,
    PlannedDose,
    PlanSignature,
    PreInfusionCheck,
    SignatureMeaning,
    TocilizumabStockCheck,
)

# A bedside clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)

BRIDGING_STAGES = frozenset({Stage.APHERESIS, Stage.MANUFACTURING, Stage.BRIDGING})
PLANNABLE_STAGES = frozenset({Stage.MANUFACTURING, Stage.BRIDGING, Stage.LYMPHODEPLETION})
BEDSIDE_VERIFIERS = (Role.NURSE, Role.CLINICIAN)


class StaleEditError(ValidationError):
    """The record changed after the user opened it."""


# --- Access --------------------------------------------------------------------------------


def is_clinician(user) -> bool:
    return user.is_authenticated and user.has_role(Role.CLINICIAN)


def is_pharmacist(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PHARMACIST)


def is_nurse(user) -> bool:
    return user.is_authenticated and user.has_role(Role.NURSE)


def can_verify_bag(user) -> bool:
    return user.is_authenticated and user.has_role(*BEDSIDE_VERIFIERS)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_visible(by: User, course: TreatmentCourse) -> None:
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))


def _lock_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _aware(field: str, moment) -> None:
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise ValidationError({field: _("Enter a date and time.")})


def _not_future(field: str, moment: datetime) -> None:
    if moment > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: _("This time cannot be in the future.")})


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _stage_label(course: TreatmentCourse) -> str:
    return str(course.get_stage_display())


def _check_version(record, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise StaleEditError(
            _("The plan was changed after you opened it (now version %(v)s). Reload it.")
            % {"v": record.version},
            code="stale",
        )


# --- Bridging ------------------------------------------------------------------------------


def _check_bridging(bridging: BridgingTherapy) -> None:
    errors = {}
    today = timezone.localdate()
    if bridging.started_on and bridging.started_on > today:
        errors["started_on"] = _("The start date cannot be in the future.")
    if bridging.ended_on and bridging.ended_on > today:
        errors["ended_on"] = _("The end date cannot be in the future.")
    if bridging.ended_on and bridging.started_on and bridging.ended_on < bridging.started_on:
        errors["ended_on"] = _("Bridging cannot end before it started.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def bridging_record(
    *,
    by: User,
    course: TreatmentCourse,
    regimen: str,
    started_on: date,
    ended_on: date | None = None,
    response: str = BridgingResponse.NOT_ASSESSED,
    notes: str = "",
) -> BridgingTherapy:
    course = _lock_course(course)
    _require(is_clinician(by), _("Only clinicians record bridging therapy."))
    _require_visible(by, course)
    if course.stage not in BRIDGING_STAGES:
        raise ValidationError(
            _("Bridging is recorded between collection and lymphodepletion; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    bridging = BridgingTherapy(
        course=course,
        regimen=(regimen or "").strip(),
        started_on=started_on,
        ended_on=ended_on,
        response=response,
        notes=(notes or "").strip(),
        recorded_by=by,
    )
    _check_bridging(bridging)
    bridging.full_clean()
    bridging._history_user = by
    bridging.save()
    return bridging


@transaction.atomic
def bridging_update(
    *,
    by: User,
    bridging: BridgingTherapy,
    ended_on: date | None,
    response: str,
    notes: str = "",
) -> BridgingTherapy:
    """Record the end of bridging and its response (the timing of lymphodepletion follows)."""
    _require(is_clinician(by), _("Only clinicians record bridging therapy."))
    bridging = (
        BridgingTherapy.objects.select_for_update()
        .select_related("course__patient")
        .get(pk=bridging.pk)
    )
    _require_visible(by, bridging.course)
    bridging.ended_on = ended_on
    bridging.response = response
    bridging.notes = (notes or "").strip()
    _check_bridging(bridging)
    bridging.full_clean()
    bridging._history_user = by
    bridging.save()
    return bridging


# --- Lymphodepletion plan ------------------------------------------------------------------


def _dosing_settings() -> tuple[float | None, float]:
    return settings.BSA_CAP_M2, settings.BSA_WARN_ABOVE_M2


def _compute(*, regimen_key: str, patient, crcl: Decimal, day0: date):
    """(BsaResult, [dosing.PlannedDose]) for the patient as measured now."""
    cap, warn_above = _dosing_settings()
    try:
        bsa = dosing.dosing_bsa(
            height_cm=float(patient.height_cm),
            weight_kg=float(patient.weight_kg),
            cap_m2=cap,
            warn_above_m2=warn_above,
        )
        doses = dosing.plan_lymphodepletion(
            regimen_key=regimen_key,
            height_cm=float(patient.height_cm),
            weight_kg=float(patient.weight_kg),
            creatinine_clearance_ml_min=float(crcl),
            day0=day0,
            bsa_cap_m2=cap,
        )
    except ValueError as error:
        message = str(error)
        field = message.split(" ", 1)[0]
        field = "crcl_ml_min" if field.startswith("creatinine") else "__all__"
        raise ValidationError({field: message}) from None
    return bsa, doses


def _plan_warnings(bsa, regimen_key: str) -> list[str]:
    warnings = list(bsa.warnings)
    regimen = dosing.REGIMENS[regimen_key]
    if not regimen.verified:
        warnings.append(
            _("Regimen %(key)s is UNVERIFIED: institutional default — review.")
            % {"key": regimen_key}
        )
    if regimen.note:
        warnings.append(regimen.note)
    return warnings


@dataclass(frozen=True)
class _Renal:
    crcl: Decimal
    method: str
    creatinine_umol_l: Decimal | None
    creatinine_drawn_on: date | None


def _renal_inputs(
    course: TreatmentCourse,
    *,
    crcl_ml_min,
    creatinine,
    creatinine_unit: str,
    creatinine_drawn_on: date | None,
    creatinine_reentered: bool,
    weight_basis: str,
    stored: LymphodepletionPlan | None = None,
) -> _Renal:
    """The clearance fludarabine is dosed on (issue 16 item 8), never silently the
    screening's: Cockcroft–Gault from a creatinine (µmol/L or mg/dL) no older than the
    institutional limit unless the clinician re-enters it, or a clearance the clinician
    enters (e.g. measured), stated as such. A recalculation without either reuses the
    plan's creatinine while it is fresh."""
    today = timezone.localdate()
    limit = settings.CREATININE_MAX_AGE_DAYS
    if creatinine in (None, "") and crcl_ml_min in (None, "") and stored is not None:
        if stored.creatinine_umol_l is not None:
            creatinine, creatinine_unit = stored.creatinine_umol_l, renal.UMOL_L
            creatinine_drawn_on = stored.creatinine_drawn_on
    if creatinine not in (None, ""):
        if creatinine_drawn_on is None:
            raise ValidationError(
                {"creatinine_drawn_on": _("Give the date the creatinine was drawn.")}
            )
        try:
            too_old = renal.creatinine_too_old(
                drawn_on=creatinine_drawn_on, today=today, max_age_days=limit
            )
        except ValueError:
            raise ValidationError(
                {"creatinine_drawn_on": _("The creatinine cannot be drawn in the future.")}
            ) from None
        if too_old and not creatinine_reentered:
            raise ValidationError(
                {
                    "creatinine_drawn_on": _(
                        "This creatinine was drawn on %(date)s, more than %(days)d days ago. "
                        "Enter a recent one, or confirm that you re-entered this value."
                    )
                    % {"date": creatinine_drawn_on.isoformat(), "days": limit}
                }
            )
        patient = course.patient
        try:
            clearance = renal.cockcroft_gault(
                age_years=patient_rules.age_in_years(date_of_birth=patient.date_of_birth, on=today),
                sex=patient.sex,
                weight_kg=patient.weight_kg,
                height_cm=patient.height_cm,
                creatinine=creatinine,
                creatinine_unit=creatinine_unit,
                weight_basis=weight_basis,
            )
        except ValueError as error:
            raise ValidationError({"creatinine": str(error)}) from None
        method = clearance.method
        if too_old:
            method += " " + _(
                "(creatinine older than %(days)d days, re-entered by the clinician)"
            ) % {"days": limit}
        return _Renal(
            clearance.crcl_ml_min, method, clearance.creatinine_umol_l, creatinine_drawn_on
        )
    if crcl_ml_min in (None, ""):
        raise ValidationError(
            {
                "creatinine": _(
                    "Enter the latest serum creatinine and the date it was drawn: fludarabine "
                    "is dosed on the creatinine clearance (Cockcroft–Gault)."
                )
            }
        )
    value = Decimal(str(crcl_ml_min))
    if value < 0 or value > 300:
        raise ValidationError({"crcl_ml_min": _("Enter a clearance between 0 and 300 mL/min.")})
    return _Renal(value, _("Creatinine clearance entered by the clinician."), None, None)


def _void_signature(plan: LymphodepletionPlan, *, by: User, reason: str) -> bool:
    signature = plan.signatures.filter(voided_at__isnull=True).first()
    if signature is None:
        return False
    signature.voided_at = timezone.now()
    signature.void_reason = reason[:300]
    signature._history_user = by
    signature.save()
    return True


def _supersede_reviews(course: TreatmentCourse, *, by: User) -> None:
    """A new fact about the gate makes the clinician's earlier review out of date."""
    now = timezone.now()
    for review in GateReview.objects.filter(course=course, superseded_at__isnull=True):
        review.superseded_at = now
        review._history_user = by
        review.save()


@transaction.atomic
def plan_create(
    *,
    by: User,
    course: TreatmentCourse,
    crcl_ml_min: Decimal | None = None,
    regimen_key: str = "",
    creatinine: Decimal | None = None,
    creatinine_unit: str = renal.UMOL_L,
    creatinine_drawn_on: date | None = None,
    creatinine_reentered: bool = False,
    weight_basis: str = renal.ACTUAL,
) -> LymphodepletionPlan:
    """Generate the plan from the catalogue regimen of the course's product and diagnosis,
    with today's weight and height (Mosteller BSA, the centre's cap) and the fludarabine
    renal adjustment of the regimen's label for the creatinine clearance: Cockcroft–Gault
    from the latest creatinine, or a clearance the clinician enters (_renal_inputs)."""
    course = _lock_course(course)
    _require(is_clinician(by), _("Only clinicians prescribe lymphodepletion."))
    _require_visible(by, course)
    if course.stage not in PLANNABLE_STAGES:
        raise ValidationError(
            _("Lymphodepletion is planned during manufacturing or bridging; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    if LymphodepletionPlan.objects.filter(course=course).exists():
        raise ValidationError(_("This course already has a plan; recalculate it instead."))
    if course.planned_day0_date is None:
        raise ValidationError(_("Plan Day 0 first: the plan's dates count back from it."))
    keys = selectors.regimen_keys_for(course)
    if not keys:
        raise ValidationError(
            _("The catalogue has no lymphodepletion regimen for %(product)s in %(diagnosis)s.")
            % {
                "product": course.product.short_name,
                "diagnosis": course.patient.get_diagnosis_display(),
            }
        )
    regimen_key = regimen_key or keys[0]
    if regimen_key not in keys:
        raise ValidationError(
            {
                "regimen_key": _("Choose one of the catalogue's regimens: %(k)s.")
                % {"k": ", ".join(keys)}
            }
        )
    renal_in = _renal_inputs(
        course,
        crcl_ml_min=crcl_ml_min,
        creatinine=creatinine,
        creatinine_unit=creatinine_unit,
        creatinine_drawn_on=creatinine_drawn_on,
        creatinine_reentered=creatinine_reentered,
        weight_basis=weight_basis,
    )
    crcl = renal_in.crcl
    bsa, doses = _compute(
        regimen_key=regimen_key, patient=course.patient, crcl=crcl, day0=course.planned_day0_date
    )
    today = timezone.localdate()
    if doses and doses[0].calendar_date < today:
        raise ValidationError(
            _("The first dose would be on %(d)s, in the past. Move Day 0 first.")
            % {"d": doses[0].calendar_date.isoformat()}
        )
    plan = LymphodepletionPlan(
        course=course,
        regimen_key=regimen_key,
        weight_kg=course.patient.weight_kg,
        height_cm=course.patient.height_cm,
        crcl_ml_min=crcl,
        crcl_method=renal_in.method,
        creatinine_umol_l=renal_in.creatinine_umol_l,
        creatinine_drawn_on=renal_in.creatinine_drawn_on,
        renal_table=dosing.REGIMENS[regimen_key].renal_table,
        bsa_m2=Decimal(str(bsa.bsa_m2)),
        uncapped_bsa_m2=Decimal(str(bsa.uncapped_bsa_m2)),
        bsa_cap_m2=Decimal(str(settings.BSA_CAP_M2)) if bsa.capped else None,
        warnings=_plan_warnings(bsa, regimen_key),
        created_by=by,
    )
    plan.full_clean()
    plan._history_user = by
    plan.save()
    for item in doses:
        dose = PlannedDose(
            plan=plan,
            drug=item.drug,
            day_number=item.day_number,
            planned_on=item.calendar_date,
            dose_mg_per_m2=Decimal(str(item.dose_mg_per_m2)),
            dose_mg=None if item.dose_mg is None else Decimal(str(item.dose_mg)),
            calculation=item.calculation,
            flags=list(item.flags),
            requires_clinician_decision=item.requires_clinician_decision,
        )
        dose.full_clean()
        dose._history_user = by
        dose.save()
    return plan


@transaction.atomic
def plan_recalculate(
    *,
    by: User,
    plan: LymphodepletionPlan,
    crcl_ml_min: Decimal | None,
    reason: str,
    expected_version: int | None = None,
    creatinine: Decimal | None = None,
    creatinine_unit: str = renal.UMOL_L,
    creatinine_drawn_on: date | None = None,
    creatinine_reentered: bool = False,
    weight_basis: str = renal.ACTUAL,
) -> LymphodepletionPlan:
    """Recompute the doses not yet given from today's weight and height and a new creatinine
    clearance. Any change voids the pharmacist's signature."""
    _require(is_clinician(by), _("Only clinicians prescribe lymphodepletion."))
    course = _lock_course(plan.course)
    _require_visible(by, course)
    plan = LymphodepletionPlan.objects.select_for_update().get(pk=plan.pk)
    _check_version(plan, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the plan is recalculated.")})
    if course.stage not in PLANNABLE_STAGES:
        raise ValidationError(
            _("The plan can no longer change; this course is %(s)s.") % {"s": _stage_label(course)}
        )
    renal_in = _renal_inputs(
        course,
        crcl_ml_min=crcl_ml_min,
        creatinine=creatinine,
        creatinine_unit=creatinine_unit,
        creatinine_drawn_on=creatinine_drawn_on,
        creatinine_reentered=creatinine_reentered,
        weight_basis=weight_basis,
        stored=plan,
    )
    crcl = renal_in.crcl
    bsa, computed = _compute(
        regimen_key=plan.regimen_key,
        patient=course.patient,
        crcl=crcl,
        day0=course.planned_day0_date,
    )
    by_key = {(d.drug, d.day_number): d for d in computed}
    for dose in plan.doses.select_for_update():
        if hasattr(dose, "administration"):
            continue  # what was given stays as given
        item = by_key[(dose.drug, dose.day_number)]
        dose.dose_mg = None if item.dose_mg is None else Decimal(str(item.dose_mg))
        dose.calculation = item.calculation
        dose.flags = list(item.flags)
        dose.requires_clinician_decision = item.requires_clinician_decision
        dose.omitted = False
        dose.decision = ""
        dose.decided_by = None
        dose.full_clean()
        dose._history_user = by
        dose.save()
    plan.weight_kg = course.patient.weight_kg
    plan.height_cm = course.patient.height_cm
    plan.crcl_ml_min = crcl
    plan.crcl_method = renal_in.method
    plan.creatinine_umol_l = renal_in.creatinine_umol_l
    plan.creatinine_drawn_on = renal_in.creatinine_drawn_on
    plan.bsa_m2 = Decimal(str(bsa.bsa_m2))
    plan.uncapped_bsa_m2 = Decimal(str(bsa.uncapped_bsa_m2))
    plan.bsa_cap_m2 = Decimal(str(settings.BSA_CAP_M2)) if bsa.capped else None
    plan.warnings = _plan_warnings(bsa, plan.regimen_key)
    plan.version += 1
    plan._history_user = by
    plan._change_reason = reason
    plan.full_clean()
    plan.save()
    _void_signature(plan, by=by, reason=_("Plan recalculated: %(r)s") % {"r": reason})
    _supersede_reviews(course, by=by)
    return plan


@transaction.atomic
def dose_decide(
    *,
    by: User,
    dose: PlannedDose,
    dose_mg: Decimal | None,
    reason: str,
    expected_version: int | None = None,
) -> PlannedDose:
    """A clinician's decision for a dose the rules would not compute (fludarabine with
    CrCl < 30 mL/min): a dose in mg, or None to leave it out. Voids the signature."""
    _require(is_clinician(by), _("Only clinicians decide a dose."))
    dose = (
        PlannedDose.objects.select_for_update()
        .select_related("plan__course__patient")
        .get(pk=dose.pk)
    )
    plan = LymphodepletionPlan.objects.select_for_update().get(pk=dose.plan_id)
    _require_visible(by, plan.course)
    _check_version(plan, expected_version)
    if not dose.requires_clinician_decision:
        raise ValidationError(_("This dose follows the rules; recalculate the plan to change it."))
    if hasattr(dose, "administration"):
        raise ValidationError(_("This dose has been given."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write down the decision and why.")})
    if dose_mg is not None and Decimal(dose_mg) <= 0:
        raise ValidationError({"dose_mg": _("Enter a dose above 0 mg, or leave it out.")})
    dose.dose_mg = None if dose_mg is None else Decimal(dose_mg)
    dose.omitted = dose_mg is None
    dose.decision = reason
    dose.decided_by = by
    dose.full_clean()
    dose._history_user = by
    dose.save()
    plan.version += 1
    plan._history_user = by
    plan.save()
    _void_signature(plan, by=by, reason=_("Dose decided by a clinician: %(r)s") % {"r": reason})
    return dose


@password_first
@transaction.atomic
def plan_verify(
    *, by: User, plan: LymphodepletionPlan, password: str, expected_version: int
) -> PlanSignature:
    """The pharmacist's electronic signature: password re-entered, meaning "verified by",
    name and time, bound to the version of the plan that was shown."""
    _require(is_pharmacist(by), _("Only pharmacists verify lymphodepletion plans."))
    plan = (
        LymphodepletionPlan.objects.select_for_update()
        .select_related("course__patient")
        .get(pk=plan.pk)
    )
    _require_visible(by, plan.course)
    _check_version(plan, expected_version)
    if plan.course.stage not in PLANNABLE_STAGES:
        raise ValidationError(_("This course is %(s)s.") % {"s": _stage_label(plan.course)})
    undecided = [d for d in plan.doses.all() if not d.decided]
    if undecided:
        raise ValidationError(
            _("A clinician must decide %(n)s dose(s) before the plan can be verified.")
            % {"n": len(undecided)}
        )
    if selectors.plan_is_verified(plan):
        raise ValidationError(_("This version of the plan is already verified."))
    _void_signature(plan, by=by, reason=_("Replaced by a new signature."))
    signature = PlanSignature(
        plan=plan,
        plan_version=plan.version,
        meaning=SignatureMeaning.VERIFIED,
        signed_by=by,
        signer_name=by.get_full_name() or by.username,
        signed_at=timezone.now(),
    )
    signature.full_clean()
    signature._history_user = by
    signature.save()
    return signature


@transaction.atomic
def lymphodepletion_start(*, by: User, course: TreatmentCourse):
    """Move the course to lymphodepletion once its plan is verified (clinicians)."""
    _require(is_clinician(by), _("Only clinicians start lymphodepletion."))
    course = _lock_course(course)
    _require_visible(by, course)
    if not selectors.plan_is_verified(selectors.plan_for(course)):
        raise ValidationError(_("The plan must be verified by a pharmacist first."))
    return patient_services.course_change_stage(
        by=by, course=course, to_stage=Stage.LYMPHODEPLETION
    )


@transaction.atomic
def administration_record(
    *,
    by: User,
    dose: PlannedDose,
    given_at: datetime,
    dose_given_mg: Decimal,
    batch_number: str,
    deviation_reason: str = "",
    notes: str = "",
) -> Administration:
    """A nurse records a planned dose going in. A dose beyond the tolerance or on another
    day than planned is a deviation and needs a reason."""
    _require(is_nurse(by), _("Nurses record administrations."))
    dose = (
        PlannedDose.objects.select_for_update()
        .select_related("plan__course__patient")
        .get(pk=dose.pk)
    )
    course = _lock_course(dose.plan.course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _("Doses are given in the lymphodepletion stage; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    if not selectors.plan_is_verified(dose.plan):
        raise ValidationError(_("The plan is not verified by a pharmacist: do not give it."))
    if Administration.objects.filter(planned_dose=dose).exists():
        raise ValidationError(_("This dose has already been recorded."))
    if dose.omitted or dose.dose_mg is None:
        raise ValidationError(_("This dose is not to be given."))
    _aware("given_at", given_at)
    _not_future("given_at", given_at)
    batch_number = (batch_number or "").strip()
    if not batch_number:
        raise ValidationError({"batch_number": _("Enter the batch number.")})
    try:
        deviation = rules.administration_deviation(
            planned_mg=dose.dose_mg,
            given_mg=Decimal(dose_given_mg),
            planned_on=dose.planned_on,
            given_on=_local_date(given_at),
        )
    except ValueError as error:
        raise ValidationError({"dose_given_mg": str(error)}) from None
    deviation_reason = (deviation_reason or "").strip()
    if deviation.deviates and not deviation_reason:
        raise ValidationError(
            {
                "deviation_reason": _("This is a deviation from the plan (%(d)s): give a reason.")
                % {"d": text.deviation_text(deviation, dose)}
            }
        )
    record = Administration(
        planned_dose=dose,
        given_at=given_at,
        dose_given_mg=Decimal(dose_given_mg),
        batch_number=batch_number,
        deviation=deviation.deviates,
        deviation_detail=deviation.message[:300] if deviation.deviates else "",
        deviation_reason=deviation_reason if deviation.deviates else "",
        notes=(notes or "").strip(),
        given_by=by,
    )
    record.full_clean()
    record._history_user = by
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError(_("This dose has already been recorded.")) from None
    _supersede_reviews(course, by=by)
    return record


# --- Day 0 ---------------------------------------------------------------------------------


@transaction.atomic
def day0_change(
    *, by: User, course: TreatmentCourse, new_date: date, reason: str = ""
) -> Day0Change:
    """Plan or move Day 0. The doses not given yet keep their day numbers and move with it;
    doses given keep their dates. The change is recorded with who and why."""
    _require(is_clinician(by), _("Only clinicians plan Day 0."))
    course = _lock_course(course)
    _require_visible(by, course)
    if not isinstance(new_date, date) or isinstance(new_date, datetime):
        raise ValidationError({"new_date": _("Enter a date.")})
    old = course.planned_day0_date
    reason = (reason or "").strip()
    if old == new_date:
        raise ValidationError({"new_date": _("Day 0 is already planned for this date.")})
    if old is not None and not reason:
        raise ValidationError({"reason": _("Say why Day 0 moves.")})
    today = timezone.localdate()
    if new_date < today:
        raise ValidationError({"new_date": _("Day 0 cannot be planned in the past.")})
    plan = selectors.plan_for(course)
    moves: list[rules.Move] = []
    if plan is not None:
        doses = list(plan.doses.select_for_update())
        try:
            moves = rules.replan_after_day0_change(
                doses=[
                    rules.DoseToPlan(
                        d.pk,
                        d.day_number,
                        d.planned_on,
                        Administration.objects.filter(planned_dose=d).exists(),
                    )
                    for d in doses
                ],
                new_day0=new_date,
                today=today,
            )
        except ValueError:
            raise ValidationError(
                {
                    "new_date": _(
                        "On this Day 0 some doses not yet given would fall in the past. "
                        "Recalculate the plan or choose a later day."
                    )
                }
            ) from None
    patient_services.course_set_planned_day0(by=by, course=course, planned_day0_date=new_date)
    by_pk = {d.pk: d for d in plan.doses.all()} if plan else {}
    for move in moves:
        dose = by_pk[move.key]
        dose.planned_on = move.new_date
        dose._history_user = by
        dose.save()
    if plan is not None and moves:
        plan.version += 1
        plan._history_user = by
        plan.save()
        _void_signature(
            plan,
            by=by,
            reason=_("Day 0 moved from %(old)s to %(new)s.")
            % {"old": old.isoformat() if old else "—", "new": new_date.isoformat()},
        )
    change = Day0Change(
        course=course,
        old_date=old,
        new_date=new_date,
        reason=reason,
        doses_moved=len(moves),
        changed_by=by,
        changed_at=timezone.now(),
    )
    change.full_clean()
    change._history_user = by
    change.save()
    _supersede_reviews(course, by=by)
    return change


# --- Pre-infusion gate ---------------------------------------------------------------------


@transaction.atomic
def stock_confirm(
    *, by: User, course: TreatmentCourse, doses_available: int, notes: str = ""
) -> TocilizumabStockCheck:
    _require(is_pharmacist(by), _("Only pharmacists confirm tocilizumab stock."))
    course = _lock_course(course)
    _require_visible(by, course)
    check = TocilizumabStockCheck(
        course=course,
        doses_available=doses_available,
        confirmed_by=by,
        confirmed_at=timezone.now(),
        notes=(notes or "").strip(),
    )
    check.full_clean()
    check._history_user = by
    check.save()
    _supersede_reviews(course, by=by)
    return check


PRE_INFUSION_FIELDS = (
    "active_uncontrolled_infection",
    "new_organ_dysfunction",
    "temperature_c",
    "heart_rate_bpm",
    "systolic_bp_mmhg",
    "diastolic_bp_mmhg",
    "spo2_percent",
    "respiratory_rate_per_min",
    "paracetamol_given",
    "antihistamine_given",
    "prophylactic_steroid_given",
    "notes",
)


@transaction.atomic
def pre_infusion_check_record(
    *, by: User, course: TreatmentCourse, checked_at: datetime, **values
) -> PreInfusionCheck:
    unknown = set(values) - set(PRE_INFUSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown pre-infusion fields: {sorted(unknown)}")
    _require(is_nurse(by), _("Nurses record the pre-infusion check."))
    course = _lock_course(course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _("The pre-infusion check is made after lymphodepletion; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    _aware("checked_at", checked_at)
    _not_future("checked_at", checked_at)
    if _local_date(checked_at) != timezone.localdate():
        raise ValidationError({"checked_at": _("The check is made on the day of infusion.")})
    check = PreInfusionCheck(course=course, checked_at=checked_at, checked_by=by, **values)
    check.full_clean()
    check._history_user = by
    check.save()
    _supersede_reviews(course, by=by)
    return check


@password_first
def bedside_verify(
    *, by: User, course: TreatmentCourse, scanned_text: str, password: str = ""
) -> BagVerification:
    """Match the bag's COI ID to the patient at the bedside (apheresis.services.bag_verify,
    purpose "bedside"). The same person cannot be the second check of the same day. Each
    checker signs her match electronically (password again, meaning "checked by")."""
    _require(can_verify_bag(by), _("Nurses and clinicians check the bag at the bedside."))
    _require_visible(by, course)
    already = selectors.bedside_verifiers(course, timezone.localdate())
    if any(user.pk == by.pk for user in already):
        raise ValidationError(
            {
                "scanned_text": _(
                    "You have already matched this bag today. The second check must be made "
                    "by a different person."
                )
            },
            code="same_user",
        )
    verification = apheresis_services.bag_verify(
        by=by, course=course, scanned_text=scanned_text, purpose=VerificationPurpose.BEDSIDE
    )
    with transaction.atomic():
        if verification.matched:
            signature_sign(
                user=by, password=password, record=verification, meaning=SignOffMeaning.CHECKED_BY
            )
        _supersede_reviews(course, by=by)
    return verification


@transaction.atomic
def gate_override(*, by: User, course: TreatmentCourse, item: str, reason: str) -> GateOverride:
    """A clinician accepts one failed item of today's gate, with a reason kept forever."""
    _require(is_clinician(by), _("Only clinicians override a gate item."))
    course = _lock_course(course)
    _require_visible(by, course)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An override needs a reason.")})
    if item in rules.NOT_OVERRIDABLE:
        raise ValidationError({"item": _("This item cannot be overridden.")})
    result = selectors.gate_evaluate(course)
    found = next((i for i in result.items if i.code == item), None)
    if found is None:
        raise ValidationError({"item": _("Choose an item of the checklist.")})
    if found.ok:
        raise ValidationError({"item": _("This item passes; there is nothing to override.")})
    override = GateOverride(
        course=course,
        item=item,
        observed=found.observed[:300],
        reason=reason,
        overridden_by=by,
        overridden_at=timezone.now(),
    )
    override.full_clean()
    override._history_user = by
    override.save()
    _supersede_reviews(course, by=by)
    return override


@password_first
@transaction.atomic
def gate_review(*, by: User, course: TreatmentCourse, password: str = "") -> GateReview:
    """A clinician reviews today's gate; the review records every item as it stands, and she
    signs it electronically (password again, meaning "reviewed by")."""
    _require(is_clinician(by), _("Only clinicians review the pre-infusion gate."))
    course = _lock_course(course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _(
                "The gate is reviewed on the day of infusion, after lymphodepletion; "
                "this course is %(s)s."
            )
            % {"s": _stage_label(course)}
        )
    result = selectors.gate_evaluate(course)
    _supersede_reviews(course, by=by)
    review = GateReview(
        course=course,
        review_date=timezone.localdate(),
        passed=result.passed,
        items=[
            {
                "code": i.code,
                "passed": i.passed,
                "overridden": i.overridden,
                "observed": i.observed,
            }
            for i in result.items
        ],
        reviewed_by=by,
        reviewed_at=timezone.now(),
    )
    review.full_clean()
    review._history_user = by
    review.save()
    signature_sign(user=by, password=password, record=review, meaning=SignOffMeaning.REVIEWED_BY)
    return review


def gate_refusal(course: TreatmentCourse, on: date) -> str | None:
    """Why the course may not reach infusion on this day, or None when it may."""
    if selectors.current_review(course, on) is None:
        return _(
            "The pre-infusion gate has not passed for %(d)s: a clinician must review it "
            "(every item passed or overridden) before the infusion."
        ) % {"d": formats.date_format(on, "SHORT_DATE_FORMAT")}
    return None


# --- Infusion ------------------------------------------------------------------------------


@transaction.atomic
def infusion_record(
    *,
    by: User,
    course: TreatmentCourse,
    started_at: datetime,
    ended_at: datetime,
    bags_infused: int,
    dose_cells_10e6: Decimal,
    temperature_c: Decimal,
    heart_rate_bpm: int,
    systolic_bp_mmhg: int,
    diastolic_bp_mmhg: int,
    spo2_percent: int,
    reactions: str = "",
    bags_reason: str = "",
) -> InfusionRecord:
    """The nurse records the infusion: the gate must have passed today (reviewed by a
    clinician, and still passing now). Day 0 is fixed, and the course moves to infusion and
    on to monitoring, which starts the monitoring schedule."""
    _require(is_nurse(by), _("Nurses record the infusion."))
    course = _lock_course(course)
    _require_visible(by, course)
    if course.stage != Stage.LYMPHODEPLETION:
        raise ValidationError(
            _("Only a course in lymphodepletion can be infused; this course is %(s)s.")
            % {"s": _stage_label(course)}
        )
    _aware("started_at", started_at)
    _aware("ended_at", ended_at)
    _not_future("ended_at", ended_at)
    if ended_at < started_at:
        raise ValidationError({"ended_at": _("The infusion cannot end before it started.")})
    day = _local_date(started_at)  # Day 0 is the day the infusion started
    refusal = rules.infusion_recording_refusal(
        started_on=day, ended_on=_local_date(ended_at), today=timezone.localdate()
    )
    if refusal == "not_today":
        raise ValidationError(
            {
                "started_at": _(
                    "The gate is checked on the day of infusion: record it today (an infusion "
                    "that ran past midnight is recorded on the day it ended)."
                )
            }
        )
    refusal = gate_refusal(course, day)
    if refusal:
        raise ValidationError(refusal, code="gate")
    result = selectors.gate_evaluate(course, on=day)
    if not result.passed:
        raise ValidationError(
            _("The pre-infusion gate no longer passes: %(items)s.")
            % {"items": "; ".join(text.item_label(i.code) for i in result.failing)},
            code="gate",
        )
    receipt = selectors.receipt_for(course)
    bags_reason = (bags_reason or "").strip()
    if receipt and bags_infused > receipt.bag_count:
        raise ValidationError(
            {"bags_infused": _("Only %(n)s bag(s) were received.") % {"n": receipt.bag_count}}
        )
    if receipt and bags_infused < receipt.bag_count and not bags_reason:
        raise ValidationError({"bags_reason": _("Not every bag received was infused: say why.")})
    review = selectors.current_review(course, day)
    record = InfusionRecord(
        course=course,
        gate_review=review,
        started_at=started_at,
        ended_at=ended_at,
        bags_infused=bags_infused,
        bags_reason=bags_reason,
        dose_cells_10e6=dose_cells_10e6,
        reactions=(reactions or "").strip(),
        temperature_c=temperature_c,
        heart_rate_bpm=heart_rate_bpm,
        systolic_bp_mmhg=systolic_bp_mmhg,
        diastolic_bp_mmhg=diastolic_bp_mmhg,
        spo2_percent=spo2_percent,
        recorded_by=by,
    )
    record.full_clean()
    patient_services.course_change_stage(
        by=by, course=course, to_stage=Stage.INFUSION, effective_date=day
    )
    patient_services.course_change_stage(
        by=by, course=course, to_stage=Stage.MONITORING, effective_date=day
    )
    record._history_user = by
    record.save()
    return record
