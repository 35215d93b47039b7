"""Screening: started with the course moved to screening, then updated in parts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import lab_sources, system_text
from core.models import User
from core.versioning import check_version
from eligibility import rules, selectors
from eligibility.lab_services import LAB_FIELD_NAMES
from eligibility.models import (
    PriorLine,
    ScreeningAssessment,
    WashoutTherapy,
)
from eligibility.screening_rows import plan_rows
from patients import rules as course_rules
from patients.models import TreatmentCourse
from patients.services import course_enter_stage

from .common import _lock_course, _not_future, _require_clinician, _require_visible, _stage_label

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


# --- Screening ------------------------------------------------------------------------------


@transaction.atomic
def screening_start(*, by: User, course: TreatmentCourse) -> ScreeningAssessment:
    """Open the screening of a course, moving it from referred to screening if needed."""
    _require_clinician(by, _("Only clinicians may screen patients."))
    current = _lock_course(course)
    _require_visible(by, current)
    existing = ScreeningAssessment.objects.filter(course=current).first()
    if current.stage not in (course_rules.REFERRED, course_rules.SCREENING):
        if existing is not None:
            return existing
        raise ValidationError(
            _("Screening starts from a referred course; this course is in stage %(stage)s.")
            % {"stage": _stage_label(current.stage)},
            code="stage",
        )
    assessment = existing
    if assessment is None:
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
    if current.stage == course_rules.REFERRED:
        # The screening record is saved first: it is the evidence the stage entry checks.
        course_enter_stage(
            by=by,
            course=current,
            to_stage=course_rules.SCREENING,
            reason_text=system_text.text("eligibility.screening_started"),
        )
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
    check_version(current, expected_version)
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
