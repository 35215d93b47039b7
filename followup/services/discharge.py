"""Follow-up writes: the discharge record."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.versioning import check_version
from patients.models import TreatmentCourse

from .. import selectors
from ..models import (
    Discharge,
)
from .access import _locked_course, _no_day0_error, _require_recorder

DISCHARGE_FIELDS = (
    "discharge_date",
    "caregiver_name",
    "caregiver_relationship",
    "caregiver_phone",
    "lodging_address",
    "centre_phone",
    "notes",
)


# --- Discharge ---------------------------------------------------------------------------


@transaction.atomic
def discharge_record(
    *, by: User, course: TreatmentCourse, expected_version: int | None = None, **fields
) -> Discharge:
    """Record (or correct) the discharge. Restriction end dates come from the product's
    policy, counted from Day 0 as the labels do."""
    _require_recorder(by, course)
    unknown = set(fields) - set(DISCHARGE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown discharge fields: {sorted(unknown)}")
    current = _locked_course(course)
    if current.day0_date is None:
        raise _no_day0_error()
    if not current.is_open:
        raise ValidationError(_("This course has ended."), code="ended")
    discharge_date = fields.get("discharge_date")
    if discharge_date is not None:
        if discharge_date > timezone.localdate():
            raise ValidationError(
                {"discharge_date": _("The discharge date cannot be in the future.")}
            )
        if discharge_date < current.day0_date:
            raise ValidationError(
                {
                    "discharge_date": _(
                        "The discharge cannot be before the infusion (Day 0, %(date)s)."
                    )
                    % {"date": current.day0_date.isoformat()}
                }
            )
    existing = Discharge.objects.select_for_update().filter(course=current).first()
    if existing is None:
        discharge = Discharge(course=current, recorded_by=by)
    else:
        check_version(existing, expected_version)
        discharge = existing
        discharge.version += 1
    for name, value in fields.items():
        setattr(discharge, name, value)
    restrictions = selectors.restrictions_for(product=current.product, day0=current.day0_date)
    discharge.stay_near_centre_days = restrictions.stay_near_centre_days
    discharge.no_driving_days = restrictions.no_driving_days
    discharge.stay_near_centre_until = restrictions.stay_near_centre_until
    discharge.no_driving_until = restrictions.no_driving_until
    discharge.restriction_source = restrictions.source
    discharge.full_clean()
    discharge._history_user = by
    discharge.save()
    return discharge
