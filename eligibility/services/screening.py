"""Every write of screening, MDT decisions and consent. Views, API and demo data call these.

A course moves to screening / eligible / not eligible / consented only through
patients.services.course_change_stage, inside the same transaction as the record that justifies
the move.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import lab_sources
from core.models import SignatureMeaning, User
from core.permissions import can_edit_patients
from core.roles import Role
from core.signatures import password_first, signature_sign
from patients import rules as course_rules
from patients.models import Stage, TreatmentCourse
from patients.selectors import last_change, user_can_see_patient
from patients.services import StaleEditError, course_change_stage

from . import rules, selectors
from .lab_services import LAB_FIELD_NAMES
from .models import (
    CONSENT_ITEMS,
    ConsentRecord,
    Decision,
    MdtDecision,
    PriorLine,
    ScreeningAssessment,
    WashoutTherapy,
    validate_consent_document,
)
from .screening_rows import plan_rows

SCREENING_FIELDS = (
    "assessed_on",
    "diagnosis",
    "diagnosis_subtype",
    "prior_autologous_transplant",
    "transplant_date",
    "transplant_outcome",
    "transplant_candidate",
    "lenalidomide_refractory",
    "largest_lesion_cm",
    "cns_involvement",
    "ecog",
    "crcl_ml_min",
    "bilirubin_mg_dl",
    "alt_u_l",
    "alt_uln_u_l",
    "ast_u_l",
    "ast_uln_u_l",
    "lvef_percent",
    "spo2_percent",
    "haemoglobin_g_dl",
    "platelets_10e9_l",
    "anc_10e9_l",
    "alc_10e9_l",
    "ldh_u_l",
    "ldh_uln_u_l",
    "ferritin_ng_ml",
    "crp_mg_dl",
    "active_infection",
    "hbv",
    "hcv",
    "hiv",
    "pregnancy",
    "notes",
)
# Text fields with choices store "" for "not recorded".
_BLANK_TEXT_FIELDS = frozenset(
    {
        "diagnosis",
        "diagnosis_subtype",
        "transplant_outcome",
        "hbv",
        "hcv",
        "hiv",
        "pregnancy",
        "notes",
    }
)
PRIOR_LINE_FIELDS = (
    "line_number",
    "regimen",
    "drug_classes",
    "start_date",
    "end_date",
    "best_response",
    "progression_date",
)
WASHOUT_FIELDS = ("therapy_class", "description", "last_dose_date")


def _require_clinician(by: User, message: str) -> None:
    if not can_edit_patients(by):
        raise PermissionDenied(message)


def _require_visible(by: User, course: TreatmentCourse) -> None:
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not change this course."))


def _lock_course(course: TreatmentCourse) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient", "product")
        .get(pk=course.pk)
    )


def _stage_label(stage: str) -> str:
    return str(dict(Stage.choices).get(stage, stage))


def _last_stage_date(course: TreatmentCourse) -> date | None:
    last = course.stage_events.order_by("-occurred_at", "-id").first()
    return last.effective_date if last else None


def _not_future(errors: dict, field: str, value: date | None, label: str) -> None:
    if value is not None and value > timezone.localdate():
        errors.setdefault(field, []).append(
            _("%(field)s cannot be in the future.") % {"field": label}
        )


# --- Screening ------------------------------------------------------------------------------


@transaction.atomic
def screening_start(*, by: User, course: TreatmentCourse) -> ScreeningAssessment:
    """Open the screening of a course, moving it from referred to screening if needed."""
    _require_clinician(by, _("Only clinicians may screen patients."))
    current = _lock_course(course)
    _require_visible(by, current)
    existing = ScreeningAssessment.objects.filter(course=current).first()
    if current.stage == course_rules.REFERRED:
        course_change_stage(
            by=by, course=current, to_stage=course_rules.SCREENING, reason=_("Screening started.")
        )
    elif existing is not None:
        return existing
    elif current.stage != course_rules.SCREENING:
        raise ValidationError(
            _("Screening starts from a referred course; this course is in stage %(stage)s.")
            % {"stage": _stage_label(current.stage)},
            code="stage",
        )
    if existing is not None:
        return existing
    assessment = ScreeningAssessment(
        course=current,
        assessed_on=timezone.localdate(),
        diagnosis=current.patient.diagnosis,
        created_by=by,
        updated_by=by,
    )
    assessment.full_clean()
    assessment._history_user = by
    assessment.save()
    course.refresh_from_db()
    return assessment


def _check_screening(assessment: ScreeningAssessment) -> None:
    errors: dict[str, list] = {}
    patient = assessment.course.patient
    _not_future(errors, "assessed_on", assessment.assessed_on, _("The assessment date"))
    _not_future(errors, "transplant_date", assessment.transplant_date, _("The transplant date"))
    for field in ("assessed_on", "transplant_date"):
        value = getattr(assessment, field)
        if value is not None and value < patient.date_of_birth:
            errors.setdefault(field, []).append(_("This date is before the date of birth."))
    if assessment.prior_autologous_transplant is False and (
        assessment.transplant_date or assessment.transplant_outcome
    ):
        errors.setdefault("prior_autologous_transplant", []).append(
            _("A transplant date or outcome is given, but no prior transplant is recorded.")
        )
    if errors:
        raise ValidationError(errors)


def _check_prior_lines(assessment, lines: list[PriorLine]) -> list[str]:
    errors = []
    today = timezone.localdate()
    dob = assessment.course.patient.date_of_birth
    seen = set()
    for line in lines:
        prefix = _("Line %(n)s") % {"n": line.line_number}
        if line.line_number in seen:
            errors.append(_("%(line)s appears twice.") % {"line": prefix})
        seen.add(line.line_number)
        for field in ("start_date", "end_date", "progression_date"):
            value = getattr(line, field)
            if value is None:
                continue
            label = str(PriorLine._meta.get_field(field).verbose_name)
            if value > today:
                errors.append(
                    _("%(line)s: the %(field)s date cannot be in the future.")
                    % {"line": prefix, "field": label}
                )
            elif value < dob:
                errors.append(
                    _("%(line)s: the %(field)s date is before the date of birth.")
                    % {"line": prefix, "field": label}
                )
        if line.start_date and line.end_date and line.end_date < line.start_date:
            errors.append(_("%(line)s: the line cannot end before it starts.") % {"line": prefix})
        if line.start_date and line.progression_date and line.progression_date < line.start_date:
            errors.append(
                _("%(line)s: relapse or progression cannot come before the line starts.")
                % {"line": prefix}
            )
    return errors


def _check_washouts(assessment, therapies: list[WashoutTherapy]) -> list[str]:
    errors = []
    today = timezone.localdate()
    for index, therapy in enumerate(therapies, start=1):
        if therapy.last_dose_date and therapy.last_dose_date > today:
            errors.append(
                _("Recent therapy %(n)s: the last dose cannot be dated in the future.")
                % {"n": index}
            )
    return errors


@transaction.atomic
def screening_update(
    *,
    by: User,
    assessment: ScreeningAssessment,
    expected_version: int,
    fields: dict | None = None,
    prior_lines: list[dict] | None = None,
    washout_therapies: list[dict] | None = None,
) -> ScreeningAssessment:
    """Save part or all of a screening. Row lists change only the rows they name: see
    ``screening_rows`` (a row is deleted only when sent with its id and ``delete``)."""
    _require_clinician(by, _("Only clinicians may record a screening."))
    fields = dict(fields or {})
    unknown = set(fields) - set(SCREENING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown screening fields: {sorted(unknown)}")
    current = (
        ScreeningAssessment.objects.select_for_update()
        .select_related("course__patient", "course__product")
        .get(pk=assessment.pk)
    )
    _require_visible(by, current.course)
    if current.course.stage != course_rules.SCREENING:
        raise ValidationError(
            _(
                "The screening can be changed only while the course is in screening (now: "
                "%(stage)s). To re-screen, move the course back to screening with a reason."
            )
            % {"stage": _stage_label(current.course.stage)},
            code="stage",
        )
    if current.version != expected_version:
        who, when = last_change(current)
        raise StaleEditError(
            _(
                "This screening was changed by %(who)s at %(when)s. "
                "Reload it and make your change again."
            )
            % {
                "who": who or _("another user"),
                "when": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")
                if when
                else "?",
            },
            code="stale",
        )
    retyped = []
    for name, value in fields.items():
        if value is None and name in _BLANK_TEXT_FIELDS:
            value = ""
        if name in LAB_FIELD_NAMES and getattr(current, name) != value:
            retyped.append(name)
        setattr(current, name, value)
    current.lab_sources = lab_sources.typed(current.lab_sources, retyped, at=timezone.now())
    _check_screening(current)
    current.full_clean()

    errors: dict[str, list[str]] = {}
    line_plan = washout_plan = None
    if prior_lines is not None:
        line_plan = plan_rows(current, prior_lines, PriorLine, PRIOR_LINE_FIELDS, _("Line"))
        line_errors = line_plan.errors + _check_prior_lines(current, line_plan.kept)
        if line_errors:
            errors["prior_lines"] = line_errors
    if washout_therapies is not None:
        washout_plan = plan_rows(
            current, washout_therapies, WashoutTherapy, WASHOUT_FIELDS, _("Recent therapy")
        )
        washout_errors = washout_plan.errors + _check_washouts(current, washout_plan.kept)
        if washout_errors:
            errors["washout_therapies"] = washout_errors
    if errors:
        raise ValidationError(errors)

    current.version += 1
    current.updated_by = by
    current._history_user = by
    current.save()
    for plan in (line_plan, washout_plan):
        if plan is not None:
            plan.save(by)
    # Last line of defence: the rules refuse what no form should have let through.
    try:
        rules.validate_screening(selectors.screening_input(current))
    except ValueError as error:
        raise ValidationError(str(error), code="invalid") from None
    assessment.refresh_from_db()
    return current


# --- MDT decision ---------------------------------------------------------------------------


def criteria_snapshot(result: rules.EligibilityResult) -> list[dict]:
    return [{"key": c.key, "status": c.status, "reason": c.reason} for c in result.criteria]


SIGNATURE_MEANING = {
    Decision.APPROVE: SignatureMeaning.APPROVED_BY,
    Decision.DECLINE: SignatureMeaning.DECLINED_BY,
    Decision.DEFER: SignatureMeaning.DEFERRED_BY,
}


@password_first
@transaction.atomic
def decision_record(
    *,
    by: User,
    course: TreatmentCourse,
    decision: str,
    decided_on: date | None = None,
    justification: str = "",
    attendees: str = "",
    password: str = "",
) -> MdtDecision:
    """Record the MDT's decision; approve moves the course to eligible, decline to not eligible.

    The clinician signs it electronically by entering her password again."""
    _require_clinician(by, _("Only clinicians may record an MDT decision."))
    current = _lock_course(course)
    _require_visible(by, current)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose approve, decline or defer.")})
    if current.stage != course_rules.SCREENING:
        raise ValidationError(
            _("An MDT decision is recorded while the course is in screening (now: %(stage)s).")
            % {"stage": _stage_label(current.stage)},
            code="stage",
        )
    assessment = selectors.screening_for_course(current)
    if assessment is None:
        raise ValidationError(_("Start the screening before the MDT decides."), code="stage")
    decided_on = decided_on or timezone.localdate()
    justification = (justification or "").strip()
    errors: dict[str, list] = {}
    _not_future(errors, "decided_on", decided_on, _("The MDT date"))
    last_date = _last_stage_date(current)
    if last_date and decided_on < last_date:
        errors.setdefault("decided_on", []).append(
            _("The MDT date cannot be before screening started (%(date)s).")
            % {"date": formats.date_format(last_date, "SHORT_DATE_FORMAT")}
        )
    evaluation = selectors.evaluate(assessment)
    result = evaluation.result.overall
    if decision == Decision.APPROVE and result != rules.ELIGIBLE and not justification:
        errors.setdefault("justification", []).append(
            _("The rules find this screening %(result)s: write why the team approves it anyway.")
            % {"result": _("incomplete") if result == rules.INCOMPLETE else _("not eligible")}
        )
    if decision == Decision.DECLINE and result == rules.ELIGIBLE and not justification:
        errors.setdefault("justification", []).append(
            _("The rules find this screening eligible: write why the team declines.")
        )
    if errors:
        raise ValidationError(errors)
    record = MdtDecision(
        course=current,
        assessment=assessment,
        decision=decision,
        decided_on=decided_on,
        rule_result=result,
        criteria_snapshot=criteria_snapshot(evaluation.result),
        justification=justification,
        attendees=(attendees or "").strip(),
        decided_by=by,
    )
    record.full_clean()
    record._history_user = by
    record.save()
    signature_sign(user=by, password=password, record=record, meaning=SIGNATURE_MEANING[decision])
    if decision == Decision.APPROVE:
        reason = _("MDT approved.") + (f" {justification}" if justification else "")
        course_change_stage(
            by=by,
            course=current,
            to_stage=course_rules.ELIGIBLE,
            reason=reason,
            effective_date=decided_on,
        )
    elif decision == Decision.DECLINE:
        reason = _("MDT declined.") + (f" {justification}" if justification else "")
        course_change_stage(
            by=by,
            course=current,
            to_stage=course_rules.NOT_ELIGIBLE,
            reason=reason,
            effective_date=decided_on,
        )
    course.refresh_from_db()
    return record


# --- Informed consent -----------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    by: User,
    course: TreatmentCourse,
    consented_on: date,
    explained_by: User,
    document,
    notes: str = "",
    **items: bool,
) -> ConsentRecord:
    """Record informed consent with the signed document; the course moves to consented."""
    _require_clinician(by, _("Only clinicians may record informed consent."))
    unknown = set(items) - set(CONSENT_ITEMS)
    if unknown:
        raise TypeError(f"Unknown consent items: {sorted(unknown)}")
    current = _lock_course(course)
    _require_visible(by, current)
    if current.stage != course_rules.ELIGIBLE:
        raise ValidationError(
            _("Consent is recorded once the MDT has approved the course (now: %(stage)s).")
            % {"stage": _stage_label(current.stage)},
            code="stage",
        )
    errors: dict[str, list] = {}
    if consented_on is None:
        errors["consented_on"] = [_("Give the date of consent.")]
    else:
        _not_future(errors, "consented_on", consented_on, _("The date of consent"))
        last_date = _last_stage_date(current)
        if last_date and consented_on < last_date:
            errors.setdefault("consented_on", []).append(
                _("Consent cannot be dated before the MDT approval (%(date)s).")
                % {"date": formats.date_format(last_date, "SHORT_DATE_FORMAT")}
            )
    if explained_by is None or not explained_by.has_role(Role.CLINICIAN):
        errors["explained_by"] = [_("The person who explained must be a clinician.")]
    for item in CONSENT_ITEMS:
        if not items.get(item):
            label = ConsentRecord._meta.get_field(item).verbose_name
            errors[item] = [_("Explain the %(item)s before recording consent.") % {"item": label}]
    if not document:
        errors["document"] = [_("Upload the signed consent document.")]
    else:
        try:
            validate_consent_document(document)
        except ValidationError as error:
            errors["document"] = error.messages
    if errors:
        raise ValidationError(errors)
    record = ConsentRecord(
        course=current,
        consented_on=consented_on,
        explained_by=explained_by,
        document=document,
        document_name=(getattr(document, "name", "") or "")[-255:],
        notes=(notes or "").strip(),
        recorded_by=by,
        **{item: True for item in CONSENT_ITEMS},
    )
    record.full_clean(exclude=["document"])
    # The stage moves first: if it is refused, no file has been written.
    course_change_stage(
        by=by,
        course=current,
        to_stage=course_rules.CONSENTED,
        reason=_("Informed consent signed."),
        effective_date=consented_on,
    )
    record._history_user = by
    record.save()
    course.refresh_from_db()
    return record
