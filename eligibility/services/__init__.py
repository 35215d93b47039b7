"""Every write of screening, MDT decisions and consent. Views, API and demo data call these.

A course moves to screening / eligible / not eligible / consented only through
patients.services.course_enter_stage, inside the same transaction as the record that justifies
the move.

One module per record: screening, mdt, consent; common holds the checks they share. Every
public name is re-exported here, so `from eligibility.services import X` keeps working.
"""

from .consent import consent_record
from .mdt import SIGNATURE_MEANING, criteria_snapshot, decision_record
from .screening import (
    PRIOR_LINE_FIELDS,
    SCREENING_FIELDS,
    WASHOUT_FIELDS,
    screening_start,
    screening_update,
)

__all__ = [
    "SCREENING_FIELDS",
    "PRIOR_LINE_FIELDS",
    "WASHOUT_FIELDS",
    "screening_start",
    "screening_update",
    "criteria_snapshot",
    "SIGNATURE_MEANING",
    "decision_record",
    "consent_record",
]
