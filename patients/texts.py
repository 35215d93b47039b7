"""What the patients app writes on a course's timeline, as codes (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "patients.referred": gettext_noop("Referred for CAR-T therapy."),
}
