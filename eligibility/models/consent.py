"""Informed consent: the record and its signed document."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audit import AuditedManager
from core.uploads import check_upload_content, read_upload
from patients.models import TreatmentCourse

# --- Informed consent -----------------------------------------------------------------------

CONSENT_MAX_BYTES = 10 * 1024 * 1024
# File signatures: the extension alone is not trusted.
CONSENT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def validate_consent_document(document) -> None:
    """PDF, JPEG or PNG (by content, not only by name), at most 10 MB."""
    name = (getattr(document, "name", "") or "").lower()
    extension = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in CONSENT_SIGNATURES:
        raise ValidationError(
            _("The signed consent must be a PDF, JPEG or PNG file."), code="file_type"
        )
    if document.size > CONSENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is 10 MB.")
            % {"size": f"{document.size / 1024 / 1024:.1f}"},
            code="file_size",
        )
    position = document.tell() if hasattr(document, "tell") else 0
    document.seek(0)
    head = document.read(16)
    document.seek(position)
    if not any(head.startswith(sig) for sig in CONSENT_SIGNATURES[extension]):
        raise ValidationError(
            _("The file's content is not a %(type)s document.")
            % {"type": extension.lstrip(".").upper()},
            code="file_content",
        )
    check_upload_content(read_upload(document), extension.lstrip("."))


def consent_upload_to(instance, filename: str) -> str:
    # A random name: the patient's name never appears in a file path.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"consent/{uuid.uuid4().hex}.{extension}"


CONSENT_ITEMS = (
    "explained_price",
    "explained_benefit",
    "explained_crs_icans",
    "explained_long_term_follow_up",
    "explained_restrictions",
)


class ConsentRecord(models.Model):
    """Informed consent: who explained what, when, with the signed document."""

    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("course"),
    )
    consented_on = models.DateField(_("date of consent"))
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("explained by"),
    )
    explained_price = models.BooleanField(_("price of the treatment"), default=False)
    explained_benefit = models.BooleanField(_("expected benefit"), default=False)
    explained_crs_icans = models.BooleanField(
        _("risks of CRS and neurotoxicity (ICANS)"), default=False
    )
    explained_long_term_follow_up = models.BooleanField(
        _("duty of long-term follow-up (up to 15 years)"), default=False
    )
    explained_restrictions = models.BooleanField(
        _("driving and proximity restrictions after infusion"), default=False
    )
    document = models.FileField(
        _("signed consent document"),
        upload_to=consent_upload_to,
        validators=[validate_consent_document],
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )
    document_name = models.CharField(_("original file name"), max_length=255, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-consented_on", "-id"]
        verbose_name = _("informed consent")
        verbose_name_plural = _("informed consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    explained_price=True,
                    explained_benefit=True,
                    explained_crs_icans=True,
                    explained_long_term_follow_up=True,
                    explained_restrictions=True,
                ),
                name="consent_every_item_explained",
                violation_error_message=_("Every item must be explained before consent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Consent')} {self.consented_on}"
