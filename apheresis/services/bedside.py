"""The bedside bag check on the day of infusion: the bag's COI ID matched to the patient by two
different people, each signing electronically. It writes apheresis' own record
(BagVerification, purpose "bedside"), so it lives here; the infusion gate reads it through
apheresis.selectors (README, Architecture)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SignatureMeaning, User
from core.permissions import works_at_bedside
from core.signatures import password_first, signature_sign
from patients.models import TreatmentCourse
from patients.selectors import user_can_see_patient

from .. import selectors
from ..models import BagVerification, VerificationPurpose
from .receipt import bag_verify


@password_first
def bedside_verify(
    *, by: User, course: TreatmentCourse, scanned_text: str, password: str = ""
) -> BagVerification:
    """Match the bag's COI ID to the patient at the bedside. The same person cannot be the
    second check of the same day. Each checker signs her match electronically (password
    again, meaning "checked by"). A gate review made before this scan no longer counts
    (infusion.selectors.current_review)."""
    if not works_at_bedside(by):
        raise PermissionDenied(_("Nurses and clinicians check the bag at the bedside."))
    if not user_can_see_patient(by, course.patient):
        raise PermissionDenied(_("You may not see this patient."))
    already = selectors.bedside_verifiers(course, timezone.localdate())
    if any(user.pk == by.pk for user in already):
        raise ValidationError(
            {
                "scanned_text": _(
                    "You have already matched this bag today. The second check must be made "
                    "by a different person."
                )
            },
            code="same_user",
        )
    # bag_verify checks that the user may see the patient and logs every attempt.
    verification = bag_verify(
        by=by, course=course, scanned_text=scanned_text, purpose=VerificationPurpose.BEDSIDE
    )
    if verification.matched:
        with transaction.atomic():
            signature_sign(
                user=by, password=password, record=verification, meaning=SignatureMeaning.CHECKED_BY
            )
    return verification
