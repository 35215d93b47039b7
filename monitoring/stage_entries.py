"""The stage monitoring owns and the record it needs (patients/stage_entry.py)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import rules as course_rules
from patients import stage_entry

from .models import MonitoringEnd


def monitoring_end_missing(course) -> str | None:
    # monitoring_end signs the record in the same transaction, so the row stands for the
    # clinician's signed decision.
    if MonitoringEnd.objects.filter(course=course).exists():
        return None
    return _(
        "Monitoring has not been ended by a clinician's signed decision: end it on the "
        "course's Monitoring page."
    )


def _demo_monitoring_end(*, course, by, on) -> None:
    """A demo course's monitoring, ended on paper before the demo began."""
    from datetime import datetime, time

    from django.utils import timezone

    MonitoringEnd.objects.get_or_create(
        course=course,
        defaults={
            "ended_at": timezone.make_aware(datetime.combine(on, time(9))),
            "ended_by": by,
            "reason": "Demo: well, no CRS or ICANS for 7 days.",
        },
    )


def register() -> None:
    stage_entry.register(
        stage=course_rules.FOLLOW_UP,
        service="monitoring.ending_service.monitoring_end",
        evidence_missing=monitoring_end_missing,
        demo_record=_demo_monitoring_end,
        record_where=gettext_lazy("the course's Monitoring page (end monitoring)"),
    )
