"""Informed consent: recorded with its document, moving the course to consented."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from core import system_text
from core.models import User
from core.roles import Role
from eligibility.models import (
    CONSENT_ITEMS,
    ConsentRecord,
    validate_consent_document,
)
from patients import rules as course_rules
from patients.models import TreatmentCourse
from patients.services import course_enter_stage

from .common import (
    _last_stage_date,
    _lock_course,
    _not_future,
    _require_clinician,
    _require_visible,
    _stage_label,
)

# --- Informed consent -----------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    by: User,
    course: TreatmentCourse,
    consented_on: date,
    explained_by: User,
    document,
    notes: str = "",
    **items: bool,
) -> ConsentRecord:
    """Record informed consent with the signed document; the course moves to consented."""
    _require_clinician(by, _("Only clinicians may record informed consent."))
    unknown = set(items) - set(CONSENT_ITEMS)
    if unknown:
        raise TypeError(f"Unknown consent items: {sorted(unknown)}")
    current = _lock_course(course)
    _require_visible(by, current)
    if current.stage != course_rules.ELIGIBLE:
        raise ValidationError(
            _("Consent is recorded once the MDT has approved the course (now: %(stage)s).")
            % {"stage": _stage_label(current.stage)},
            code="stage",
        )
    errors: dict[str, list] = {}
    if consented_on is None:
        errors["consented_on"] = [_("Give the date of consent.")]
    else:
        _not_future(errors, "consented_on", consented_on, _("The date of consent"))
        last_date = _last_stage_date(current)
        if last_date and consented_on < last_date:
            errors.setdefault("consented_on", []).append(
                _("Consent cannot be dated before the MDT approval (%(date)s).")
                % {"date": formats.date_format(last_date, "SHORT_DATE_FORMAT")}
            )
    if explained_by is None or not explained_by.has_role(Role.CLINICIAN):
        errors["explained_by"] = [_("The person who explained must be a clinician.")]
    for item in CONSENT_ITEMS:
        if not items.get(item):
            label = ConsentRecord._meta.get_field(item).verbose_name
            errors[item] = [_("Explain the %(item)s before recording consent.") % {"item": label}]
    if not document:
        errors["document"] = [_("Upload the signed consent document.")]
    else:
        try:
            validate_consent_document(document)
        except ValidationError as error:
            errors["document"] = error.messages
    if errors:
        raise ValidationError(errors)
    record = ConsentRecord(
        course=current,
        consented_on=consented_on,
        explained_by=explained_by,
        document=document,
        document_name=(getattr(document, "name", "") or "")[-255:],
        notes=(notes or "").strip(),
        recorded_by=by,
        **{item: True for item in CONSENT_ITEMS},
    )
    record.full_clean(exclude=["document"])
    # The signed consent is the evidence the stage entry checks, so it is saved first; if
    # the move is refused the transaction rolls back and the stored file is removed.
    record._history_user = by
    record.save()
    try:
        course_enter_stage(
            by=by,
            course=current,
            to_stage=course_rules.CONSENTED,
            reason_text=system_text.text("eligibility.consent_signed"),
            effective_date=consented_on,
        )
    except ValidationError:
        record.document.delete(save=False)
        raise
    course.refresh_from_db()
    return record
