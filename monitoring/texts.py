"""What monitoring writes on a course's timeline and its escalations, as codes
(core.system_text). The clinician's reason for ending monitoring follows "Monitoring ended:"
as the human reason, in the words she typed."""

from django.utils.translation import gettext_noop

TEXTS = {
    "monitoring.ended": gettext_noop("Monitoring ended:"),
    "monitoring.escalation.crs": gettext_noop("CRS grade %(new)s (was %(old)s)"),
    "monitoring.escalation.icans": gettext_noop("ICANS grade %(new)s (was %(old)s)"),
    # Why tasks changed, in their history (prose, written in English, shown in the reader's
    # language by the chart history: core.system_text_legacy).
    "monitoring.tasks_icu": gettext_noop("ICU: assessed more often"),
    "monitoring.tasks_missed": gettext_noop("not done before the shift ended: missed"),
    "monitoring.tasks_sweep": gettext_noop("monitoring sweep"),
    "monitoring.tasks_ended": gettext_noop("monitoring ended"),
}
