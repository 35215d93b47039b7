"""The demo data's timeline reasons (seed_demo), as codes (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "home.demo_withdrew": gettext_noop("Patient withdrew consent after discussion with family."),
    "home.demo_follow_up_completed": gettext_noop(
        "Follow-up completed; transferred to annual registry contact."
    ),
}
