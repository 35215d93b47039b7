"""The lymphodepletion plan: generated from the catalogue regimen, recalculated, doses decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue import selectors as catalogue_selectors
from core import system_text
from core.models import User
from patients import rules as patient_rules
from patients.models import TreatmentCourse

from .. import dosing, renal, selectors
from ..dosing import codes
from ..models import (
    LymphodepletionPlan,
    PlannedDose,
)
from .access import (
    PLANNABLE_STAGES,
    _check_version,
    _lock_course,
    _require,
    _require_visible,
    _stage_label,
    is_clinician,
)
from .gate import _supersede_reviews
from .plan_signing import _void_reason, _void_signature


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
            regimen=catalogue_selectors.regimens().get(regimen_key),
        )
    except ValueError as error:
        message = str(error)
        field = message.split(" ", 1)[0]
        field = "crcl_ml_min" if field.startswith("creatinine") else "__all__"
        raise ValidationError({field: message}) from None
    return bsa, doses


def _plan_warnings(bsa, regimen_key: str) -> list:
    """The plan's warnings as stored texts (codes with parameters); the regimen's note as the
    catalogue has it (an administrator's words are never translated)."""
    warnings: list = list(bsa.warning_texts)
    regimen = catalogue_selectors.regimen(regimen_key)
    if not regimen.verified:
        warnings.append(system_text.text(codes.REGIMEN_UNVERIFIED, key=regimen_key).as_json())
    if regimen.note:
        warnings.append(regimen.note)
    return warnings


def _english(texts: list) -> list[str]:
    """The prose columns stay English whoever's request wrote them (exports, older readers)."""
    return [system_text.english(text) for text in texts]


@dataclass(frozen=True)
class _Renal:
    crcl: Decimal
    method: str
    method_text: list
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
        method_text = [clearance.method_text]
        if too_old:
            method_text.append(system_text.text(codes.CREATININE_REENTERED, days=limit).as_json())
        return _Renal(
            clearance.crcl_ml_min,
            " ".join(_english(method_text)),
            method_text,
            clearance.creatinine_umol_l,
            creatinine_drawn_on,
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
    entered = [system_text.text(codes.CLEARANCE_ENTERED).as_json()]
    return _Renal(value, _english(entered)[0], entered, None, None)


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
    warnings = _plan_warnings(bsa, regimen_key)
    plan = LymphodepletionPlan(
        course=course,
        regimen_key=regimen_key,
        weight_kg=course.patient.weight_kg,
        height_cm=course.patient.height_cm,
        crcl_ml_min=crcl,
        crcl_method=renal_in.method,
        crcl_method_text=renal_in.method_text,
        creatinine_umol_l=renal_in.creatinine_umol_l,
        creatinine_drawn_on=renal_in.creatinine_drawn_on,
        renal_table=catalogue_selectors.regimen(regimen_key).renal_table,
        bsa_m2=Decimal(str(bsa.bsa_m2)),
        uncapped_bsa_m2=Decimal(str(bsa.uncapped_bsa_m2)),
        bsa_cap_m2=Decimal(str(settings.BSA_CAP_M2)) if bsa.capped else None,
        warnings=_english(warnings),
        warning_texts=warnings,
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
            calculation_text=list(item.steps),
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
        dose.calculation_text = list(item.steps)
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
    plan.crcl_method_text = renal_in.method_text
    plan.creatinine_umol_l = renal_in.creatinine_umol_l
    plan.creatinine_drawn_on = renal_in.creatinine_drawn_on
    plan.bsa_m2 = Decimal(str(bsa.bsa_m2))
    plan.uncapped_bsa_m2 = Decimal(str(bsa.uncapped_bsa_m2))
    plan.bsa_cap_m2 = Decimal(str(settings.BSA_CAP_M2)) if bsa.capped else None
    plan.warning_texts = _plan_warnings(bsa, plan.regimen_key)
    plan.warnings = _english(plan.warning_texts)
    _void_signature(plan, by=by, reason=_void_reason("infusion.plan_recalculated", r=reason))
    plan.version += 1
    plan._history_user = by
    plan._change_reason = reason
    plan.full_clean()
    plan.save()
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
    _void_signature(plan, by=by, reason=_void_reason("infusion.dose_decided", r=reason))
    plan.version += 1
    plan._history_user = by
    plan.save()
    return dose
