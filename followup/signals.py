"""Receivers of the patients app's signals."""

from core import system_text
from patients import rules as patient_rules
from patients.texts import stage_text_code


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
        # A cancelled visit's reason is one prose column: English, said in the reader's
        # language on the calendar (core.system_text_legacy); the timeline's reason follows.
        ended = system_text.text(
            "followup.course_ended",
            stage=system_text.text(stage_text_code(course.stage)),
            date=event.effective_date.isoformat(),
        )
        parts = (system_text.english(ended), system_text.english(event.reason_text), event.reason)
        reason = " ".join(p for p in parts if p)
        services.schedule_close(course=course, reason=reason, by=by)


def realign_after_day0_change(sender, course, by=None, **kwargs) -> None:
    """A Day 0 correction moves the visits not yet done (done visits keep their dates)."""
    from . import services

    if course.day0_date is not None:
        services.schedule_generate(course=course, by=by)
