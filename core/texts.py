"""What core writes as prose that people read (core.system_text)."""

from django.utils.translation import gettext_noop

TEXTS = {
    # Signature.void_reason is one prose column, written in English and shown in the reader's
    # language (core.system_text_legacy, the |said filter).
    "core.signature_record_changed": gettext_noop("The record changed after it was signed."),
}
