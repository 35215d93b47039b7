"""Screening assessments, MDT decisions and informed consent (the product catalogue, its
label data, indications and thresholds are the catalogue app's: catalogue/models.py).

One module per concern: screening, mdt, consent. Every public name is
re-exported here, so `from eligibility.models import X` keeps working.
"""

from .consent import (
    CONSENT_ITEMS,
    CONSENT_MAX_BYTES,
    CONSENT_SIGNATURES,
    ConsentRecord,
    consent_upload_to,
    validate_consent_document,
)
from .mdt import Decision, MdtDecision, RuleResult
from .screening import (
    LAB_FIELDS,
    Pregnancy,
    PriorLine,
    Response,
    ScreeningAssessment,
    Serology,
    TransplantOutcome,
    WashoutClass,
    WashoutTherapy,
)

__all__ = [
    "TransplantOutcome",
    "Serology",
    "Pregnancy",
    "Response",
    "WashoutClass",
    "LAB_FIELDS",
    "ScreeningAssessment",
    "PriorLine",
    "WashoutTherapy",
    "Decision",
    "RuleResult",
    "MdtDecision",
    "CONSENT_MAX_BYTES",
    "CONSENT_SIGNATURES",
    "validate_consent_document",
    "consent_upload_to",
    "CONSENT_ITEMS",
    "ConsentRecord",
]
