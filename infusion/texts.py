"""What infusion writes on a course's timeline, as codes (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "infusion.bridging_recorded": gettext_noop("Bridging therapy recorded."),
    # Why a plan's signature is void: Signature.void_reason is one prose column, written in
    # English and shown in the reader's language (core.system_text_legacy, the |said filter).
    "infusion.plan_recalculated": gettext_noop("Plan recalculated: %(r)s"),
    "infusion.dose_decided": gettext_noop("Dose decided by a clinician: %(r)s"),
    "infusion.signature_replaced": gettext_noop("Replaced by a new signature."),
    "infusion.day0_moved": gettext_noop("Day 0 moved from %(old)s to %(new)s."),
}
