"""Receivers of the patients app's signals."""

from django.conf import settings
from django.core.exceptions import ValidationError

from patients import rules as patient_rules


def gate_guard(sender, course, event, by, **kwargs) -> None:
    """Refuse any move to "infusion" without a passed pre-infusion gate for that day.

    Sent inside course_change_stage's transaction, so raising rolls the stage change back,
    whichever page, API or service asked for it. Switched on by settings.INFUSION_GATE_ENFORCED
    (read at each call, so tests can switch it); infusion.services.infusion_record enforces
    the gate whatever the setting.
    """
    if not getattr(settings, "INFUSION_GATE_ENFORCED", False):
        return
    if event.to_stage != patient_rules.INFUSION:
        return
    from . import services

    refusal = services.gate_refusal(course, event.effective_date)
    if refusal:
        raise ValidationError(refusal, code="gate")
