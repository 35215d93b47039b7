"""Receivers of the patients app's signals."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from patients import rules as patient_rules

# Reasons of ending.py that no path may override: the patient is not well yet.
CLINICAL_REASONS = frozenset({"grade_active", "escalation_open", "treatment_recent"})


def monitoring_continues_guard(sender, course, event, by, **kwargs) -> None:
    """Refuse a move from monitoring to follow-up, by any page, API or service, while the
    ending rule finds a clinical reason to continue (a grade ≥ 1, an open escalation, or
    tocilizumab or steroids in the last 48 h; clinical reference §3, issue 16 item 3).

    Sent inside course_change_stage's transaction, so raising rolls the move back. The signed
    "End monitoring" (ending_service.monitoring_end) checks the whole rule itself.
    """
    if event.from_stage != patient_rules.MONITORING or event.to_stage != patient_rules.FOLLOW_UP:
        return
    from . import selectors
    from .models import MonitoringEnd
    from .wording import ending_reason_text

    if course.day0_date is None or MonitoringEnd.objects.filter(course=course).exists():
        return
    reasons = [r for r in selectors.end_decision(course).reasons if r.code in CLINICAL_REASONS]
    if reasons:
        raise ValidationError(
            _("Monitoring must continue: %(why)s.")
            % {"why": "; ".join(ending_reason_text(r.code, r.params) for r in reasons)},
            code="must_continue",
        )
