"""Screening labs received from the laboratory system (issue 18): the interface account fills
the open screening's lab fields, converted to their stored units, never over a newer value."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import lab_sources, units
from core.models import User
from core.permissions import is_his_interface
from patients import rules as course_rules
from patients.models import TreatmentCourse

from .models import ScreeningAssessment

# Test (interfaces.mapping.LAB_TESTS) → (screening field, core/units quantity or the UCUM
# units taken as they are, decimal places).
ENZYME_UNITS = frozenset({"", "U/L", "[IU]/L", "IU/L"})
SCREENING_LABS = {
    "haemoglobin": ("haemoglobin_g_dl", "haemoglobin", 1),
    "platelets": ("platelets_10e9_l", "platelets", 1),
    "anc": ("anc_10e9_l", "neutrophils", 2),
    "alc": ("alc_10e9_l", "lymphocytes", 2),
    "crp": ("crp_mg_dl", "crp", 2),
    "ferritin": ("ferritin_ng_ml", "ferritin", 1),
    "bilirubin": ("bilirubin_mg_dl", "bilirubin", 2),
    "ldh": ("ldh_u_l", ENZYME_UNITS, 1),
    "alt": ("alt_u_l", ENZYME_UNITS, 1),
    "ast": ("ast_u_l", ENZYME_UNITS, 1),
    "crcl": ("crcl_ml_min", frozenset({"", "mL/min"}), 1),
}
LAB_FIELD_NAMES = frozenset(field for field, _q, _p in SCREENING_LABS.values())


def lab_value(test: str, value, unit: str) -> Decimal:
    """A result in the stored unit of its screening field; ValidationError saying why not."""
    field, quantity, places = SCREENING_LABS[test]
    try:
        if isinstance(quantity, str):
            return units.from_ucum(quantity, value, unit, places=places)
        if (unit or "").strip() not in quantity:
            raise ValueError(
                f"{test}: unit must be one of {', '.join(sorted(u for u in quantity if u))}, "
                f"got {unit!r}"
            )
        return Decimal(str(value).strip()).quantize(Decimal(1).scaleb(-places))
    except (ValueError, InvalidOperation) as error:
        raise ValidationError({field: str(error)}) from None


@transaction.atomic
def screening_lab_receive(
    *,
    by: User,
    course: TreatmentCourse,
    results: list[tuple[str, object, str, datetime]],
    message: str,
) -> list[str]:
    """Fill the open screening's lab fields from ``results`` [(test, value, UCUM unit,
    observed at)]. Returns the fields changed; [] when the course is not in screening, has no
    screening, or every value held is newer."""
    if not is_his_interface(by):
        raise PermissionDenied(_("Only the hospital interface records lab-system results."))
    assessment = (
        ScreeningAssessment.objects.select_for_update()
        .select_related("course")
        .filter(course=course)
        .first()
    )
    if assessment is None or assessment.course.stage != course_rules.SCREENING:
        return []
    sources = dict(assessment.lab_sources or {})
    changed = []
    for test, value, unit, observed_at in sorted(results, key=lambda r: r[3]):
        if test not in SCREENING_LABS:
            continue
        field = SCREENING_LABS[test][0]
        if not lab_sources.is_newer(sources, field, observed_at):
            continue
        setattr(assessment, field, lab_value(test, value, unit))
        sources = lab_sources.from_lab(sources, field, observed_at=observed_at, message=message)
        if field not in changed:
            changed.append(field)
    if not changed:
        return []
    assessment.lab_sources = sources
    assessment.full_clean()
    assessment.version += 1
    assessment.updated_by = by
    assessment._history_user = by
    assessment.save()
    return changed
