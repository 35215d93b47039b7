"""Product label data, screening assessments, MDT decisions and informed consent.

One module per concern: catalogue, screening, mdt, consent. Every public name is
re-exported here, so `from eligibility.models import X` keeps working.
"""

from .catalogue import (
    REGIMEN_CHOICES,
    DrugClass,
    PostTransplantRule,
    ProductIndication,
    ProductLabel,
    Threshold,
    validate_drug_classes,
)
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
    "PostTransplantRule",
    "DrugClass",
    "REGIMEN_CHOICES",
    "validate_drug_classes",
    "ProductLabel",
    "ProductIndication",
    "Threshold",
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
