"""The stage follow-up owns and the record it needs (patients/stage_entry.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import rules as course_rules
from patients import stage_entry

from .models import FollowUpEnd


def follow_up_end_missing(course) -> str | None:
    if FollowUpEnd.objects.filter(course=course).exists():
        return None
    return _(
        "The end of follow-up has not been recorded: record it on the course's Follow-up page."
    )


def _demo_follow_up_end(*, course, by, on) -> None:
    FollowUpEnd.objects.get_or_create(
        course=course,
        defaults={"ended_on": on, "reason": "Demo: follow-up finished.", "recorded_by": by},
    )


def register() -> None:
    stage_entry.register(
        stage=course_rules.COMPLETED,
        service="followup.services.follow_up_end",
        evidence_missing=follow_up_end_missing,
        record_where=gettext_lazy("the course's Follow-up page (end follow-up)"),
        demo_record=_demo_follow_up_end,
    )
