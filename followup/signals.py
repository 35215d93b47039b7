"""Receivers of the patients app's signals."""

from django.utils.translation import gettext as _

from patients import rules as patient_rules


def follow_course_stage(sender, course, event, by, **kwargs) -> None:
    """Keep the follow-up schedule in step with the course.

    At "infusion" Day 0 is set: lay out the visits (idempotent). When the course ends
    (death, withdrawal, completion) the visits not yet done are cancelled, so nobody is
    reminded to see a patient who died. Runs inside the stage change's transaction: a
    failure rolls the change back, so an infused course never lacks its schedule.
    """
    from . import services

    if event.to_stage == patient_rules.INFUSION and course.day0_date is not None:
        services.schedule_generate(course=course, by=by)
    elif event.to_stage in patient_rules.TERMINAL_STAGES:
        reason = _("Course ended (%(stage)s) on %(date)s.") % {
            "stage": course.get_stage_display(),
            "date": event.effective_date.isoformat(),
        }
        if event.reason:
            reason = f"{reason} {event.reason}"
        services.schedule_close(course=course, reason=reason, by=by)


def realign_after_day0_change(sender, course, by=None, **kwargs) -> None:
    """A Day 0 correction moves the visits not yet done (done visits keep their dates)."""
    from . import services

    if course.day0_date is not None:
        services.schedule_generate(course=course, by=by)
