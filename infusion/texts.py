"""What infusion writes on a course's timeline, as codes (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "infusion.bridging_recorded": gettext_noop("Bridging therapy recorded."),
}
