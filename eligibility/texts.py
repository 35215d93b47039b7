"""What eligibility writes on a course's timeline, as codes (core.system_text). The MDT's
justification follows as the human reason, in the words the clinician typed."""

from django.utils.translation import gettext_noop

TEXTS = {
    "eligibility.screening_started": gettext_noop("Screening started."),
    "eligibility.consent_signed": gettext_noop("Informed consent signed."),
    "eligibility.mdt_approved": gettext_noop("MDT approved."),
    "eligibility.mdt_declined": gettext_noop("MDT declined."),
}
