"""What the patients app writes on a course's timeline, as codes (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "patients.referred": gettext_noop("Referred for CAR-T therapy."),
    # Prose columns (a transfer's reason, a record's history reason), written in English and
    # shown in the reader's language (core.system_text_legacy, the |said filter).
    "patients.ward_changed": gettext_noop("Ward changed on the patient record."),
    "patients.transferred": gettext_noop("Transferred to %(ward)s: %(reason)s"),
}
