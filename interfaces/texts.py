"""What the hospital interfaces write as a patient record's history reason, as codes
(core.system_text): the history column is prose, written in English and shown in the reader's
language (core.system_text_legacy)."""

from django.utils.translation import gettext_noop

TEXTS = {
    "interfaces.national_id": gettext_noop("National ID from the hospital system (%(type)s)."),
    "interfaces.updated": gettext_noop("Updated by the hospital system (%(what)s)."),
    "interfaces.reconciled": gettext_noop("Reconciled with the hospital system."),
}
