"""What the infusion pages share: the course fetch, day labels, roles and table rows."""

from django.utils import timezone

from core.permissions import can_read_patients, require
from patients import rules as patient_rules
from patients.days import day_label
from patients.selectors import course_for_user

from .. import services, text


def _course(request, pk):
    """403 for roles that never read charts (administrators), 404 for a hidden patient."""
    require(can_read_patients(request.user))
    return course_for_user(request.user, pk)


def _day_label(course, on=None) -> str:
    day0 = course.day0_reference
    if not day0:
        return ""
    return day_label(patient_rules.day_number(day0=day0, on=on or timezone.localdate()))


def _roles(user) -> dict:
    return {
        "is_clinician": services.is_clinician(user),
        "is_pharmacist": services.is_pharmacist(user),
        "is_nurse": services.is_nurse(user),
        "can_verify_bag": services.can_verify_bag(user),
    }


def _dose_rows(course, doses) -> list[dict]:
    day0 = course.day0_reference
    rows = []
    for dose in doses:
        given = getattr(dose, "administration", None)
        rows.append(
            {
                "dose": dose,
                "day_label": day_label(dose.day_number),
                "actual_day": day_label(patient_rules.day_number(day0=day0, on=dose.planned_on))
                if day0
                else "",
                "given": given,
                "drug": text.drug_label(dose.drug),
            }
        )
    return rows


def _gate_rows(result) -> list[dict]:
    return [
        {"item": i, "label": text.item_label(i.code), "message": text.item_message(i)}
        for i in result.items
    ]
