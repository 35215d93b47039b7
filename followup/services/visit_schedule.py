"""Follow-up writes: the visit schedule (generate, close, realign)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import User
from patients.models import TreatmentCourse

from .. import schedule, selectors
from ..models import (
    ScheduledVisit,
    VisitState,
)
from .access import _locked_course, _no_day0_error, _require_recorder

# --- Visit schedule ----------------------------------------------------------------------


@transaction.atomic
def schedule_generate(*, course: TreatmentCourse, by: User | None = None) -> dict[str, int]:
    """Create the course's follow-up schedule from Day 0, or re-align it after Day 0 moved.

    Idempotent. Visits already done or cancelled are never touched; planned visits move
    to the dates counted from the current Day 0. Returns how many were created and moved.
    """
    current = _locked_course(course)
    if current.day0_date is None:
        raise _no_day0_error()
    existing = {v.code: v for v in ScheduledVisit.objects.filter(course=current)}
    death = selectors.death_record(current)
    created = moved = 0
    plan = schedule.plan_named(settings.FOLLOWUP_VISIT_PLAN)
    for planned in schedule.visit_schedule(day0=current.day0_date, plan=plan):
        dates = {
            "target_date": planned.target_date,
            "window_start": planned.window_start,
            "window_end": planned.window_end,
            "day0_date": current.day0_date,
        }
        visit = existing.get(planned.code)
        if visit is None:
            visit = ScheduledVisit(course=current, code=planned.code, sequence=planned.sequence)
            if death is not None:
                visit.visit_state = VisitState.CANCELLED
                visit.cancel_reason = _("Patient died on %(date)s.") % {
                    "date": death.death_date.isoformat()
                }
            created += 1
        elif visit.visit_state == VisitState.PLANNED and any(
            getattr(visit, name) != value for name, value in dates.items()
        ):
            moved += 1
        else:
            continue
        for name, value in dates.items():
            setattr(visit, name, value)
        visit.full_clean(validate_unique=False, validate_constraints=False)
        visit._history_user = by
        visit.save()
    # A planned visit of another plan (the setting changed) is cancelled, with the reason.
    codes = {spec.code for spec in plan}
    for code, visit in existing.items():
        if code not in codes and visit.visit_state == VisitState.PLANNED:
            visit.visit_state = VisitState.CANCELLED
            visit.cancel_reason = str(_("Not in the follow-up visit plan in use."))
            visit._history_user = by
            visit.save(update_fields=["visit_state", "cancel_reason"])
    return {"created": created, "moved": moved}


@transaction.atomic
def schedule_close(*, course: TreatmentCourse, reason: str, by: User | None = None) -> int:
    """Cancel the visits not yet done when a course ends (death, withdrawal, completion)."""
    cancelled = 0
    for planned in ScheduledVisit.objects.select_for_update().filter(
        course=course, visit_state=VisitState.PLANNED
    ):
        planned.visit_state = VisitState.CANCELLED
        planned.cancel_reason = reason[:200]
        planned._history_user = by
        planned.save(update_fields=["visit_state", "cancel_reason"])
        cancelled += 1
    return cancelled


@transaction.atomic
def schedule_realign(*, by: User, course: TreatmentCourse) -> dict[str, int]:
    """After a Day 0 correction: move the visits not yet done to the new dates."""
    _require_recorder(by, course)
    return schedule_generate(course=course, by=by)
