"""Bridging therapy between collection and lymphodepletion."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import system_text
from core.models import User
from patients import services as patient_services
from patients.models import Stage, TreatmentCourse

from ..models import (
    BridgingResponse,
    BridgingTherapy,
)
from .access import (
    BRIDGING_STAGES,
    _lock_course,
    _require,
    _require_visible,
    _stage_label,
    is_clinician,
)


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
    if course.stage == Stage.MANUFACTURING:
        # Bridging given while the cells are made: the course enters the bridging stage on
        # the day it is recorded (the therapy's own dates stay on its record).
        patient_services.course_enter_stage(
            by=by,
            course=course,
            to_stage=Stage.BRIDGING,
            reason_text=system_text.text("infusion.bridging_recorded"),
        )
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
