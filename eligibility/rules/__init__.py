"""Eligibility for a CAR-T product, poor-outcome signals, CAR-HEMATOTOX and washout dates.

One module per concern: inputs (coded values, indications, screening), results, criteria
(evaluation, fitness and organ function), indication (lines, relapse timing, transplant, age),
risks (poor-outcome signals, CAR-HEMATOTOX). The threshold table and the washout rule are the
catalogue's (catalogue/thresholds.py, catalogue/washout.py, shared with apheresis);
thresholds.py and washout.py here re-export them.
Every public name is re-exported here, so `from eligibility.rules import X` keeps working.

Pure functions: plain values in, plain values (with the reason written out) out. Nothing here
imports Django or touches the database, so a clinician can read every rule and the tests can
exercise every branch. The product's indications and the thresholds are passed in as data: the
catalogue's defaults are seeded into the database, where administrators may review them.

Sources: clinical reference (/work/shared/reference/clinical.md) §4 (indications) and §5
(eligibility defaults from pivotal-trial entry criteria, poor-outcome signals, CAR-HEMATOTOX,
washout before apheresis). Every threshold is an institutional default — review.

Decisions documented here (institutional defaults — review):
- A criterion is "met", "not met" or "missing". One "not met" makes the screening "not
  eligible", whatever is missing; otherwise one "missing" makes it "incomplete".
- A product may have several indications for a diagnosis (axi-cel: second line after early
  relapse, or after two lines). The indication reported is the one with the fewest "not met",
  then the fewest "missing"; among those fully met, the one requiring the most prior lines;
  then the catalogue order.
- No prior line recorded counts as "missing", not as zero lines: every CAR-T candidate has had
  at least one line of systemic therapy, so an empty list means the history was not entered.
- HBV/HCV/HIV: the label asks that they be screened. A positive result does not exclude by
  itself (antiviral prophylaxis), but the reason names it so the team plans for it.
- CAR-HEMATOTOX with an input missing has no score; if the points already counted reach the
  high-risk cut-off the group is "high" anyway (the score can only grow).
"""

from .criteria import evaluate_eligibility
from .indication import RESPONDED, add_months
from .inputs import (
    DIAGNOSES,
    DRUG_CLASSES,
    ECOG_RANGE,
    PREGNANCY_NOT_APPLICABLE,
    PREGNANCY_NOT_PREGNANT,
    PREGNANCY_PREGNANT,
    PREGNANCY_RESULTS,
    REFRACTORY_RESPONSES,
    RESPONSE_CR,
    RESPONSE_PD,
    RESPONSE_PR,
    RESPONSE_SD,
    RESPONSE_UNKNOWN,
    RESPONSES,
    SEROLOGY_NEGATIVE,
    SEROLOGY_POSITIVE,
    SEROLOGY_RESULTS,
    TRANSPLANT_OUTCOMES,
    TRANSPLANT_REFRACTORY,
    TRANSPLANT_RELAPSED,
    TRANSPLANT_RESPONSE,
    TRANSPLANT_RULE_ANY,
    TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
    TRANSPLANT_RULE_NOT_CANDIDATE,
    TRANSPLANT_RULES,
    Indication,
    PriorLine,
    Product,
    Screening,
    validate_screening,
)
from .results import (
    ELIGIBLE,
    INCOMPLETE,
    MET,
    MISSING,
    NOT_ELIGIBLE,
    NOT_MET,
    Criterion,
    EligibilityResult,
    overall_result,
)
from .risks import (
    HIGH,
    LOW,
    HematotoxComponent,
    HematotoxResult,
    RiskPanel,
    RiskSignal,
    hematotox_score,
    outcome_risks,
)
from .thresholds import DEFAULT_THRESHOLDS, THRESHOLD_KEYS, Threshold, merge_thresholds
from .washout import (
    WASHOUT_ALEMTUZUMAB,
    WASHOUT_ANTI_CD38,
    WASHOUT_CHEMOTHERAPY,
    WASHOUT_CLASSES,
    WASHOUT_OTHER,
    WASHOUT_SYSTEMIC_STEROID,
    WashoutCheck,
    WashoutTherapy,
    earliest_apheresis_date,
    washout_checks,
)

__all__ = [
    "MET",
    "NOT_MET",
    "MISSING",
    "ELIGIBLE",
    "NOT_ELIGIBLE",
    "INCOMPLETE",
    "Criterion",
    "EligibilityResult",
    "overall_result",
    "DIAGNOSES",
    "RESPONSE_CR",
    "RESPONSE_PR",
    "RESPONSE_SD",
    "RESPONSE_PD",
    "RESPONSE_UNKNOWN",
    "RESPONSES",
    "REFRACTORY_RESPONSES",
    "DRUG_CLASSES",
    "TRANSPLANT_RESPONSE",
    "TRANSPLANT_RELAPSED",
    "TRANSPLANT_REFRACTORY",
    "TRANSPLANT_OUTCOMES",
    "TRANSPLANT_RULE_ANY",
    "TRANSPLANT_RULE_NOT_CANDIDATE",
    "TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE",
    "TRANSPLANT_RULES",
    "SEROLOGY_NEGATIVE",
    "SEROLOGY_POSITIVE",
    "SEROLOGY_RESULTS",
    "PREGNANCY_NOT_PREGNANT",
    "PREGNANCY_PREGNANT",
    "PREGNANCY_NOT_APPLICABLE",
    "PREGNANCY_RESULTS",
    "ECOG_RANGE",
    "Indication",
    "Product",
    "PriorLine",
    "Screening",
    "validate_screening",
    "Threshold",
    "DEFAULT_THRESHOLDS",
    "THRESHOLD_KEYS",
    "merge_thresholds",
    "evaluate_eligibility",
    "add_months",
    "RESPONDED",
    "LOW",
    "HIGH",
    "HematotoxComponent",
    "HematotoxResult",
    "hematotox_score",
    "RiskSignal",
    "RiskPanel",
    "outcome_risks",
    "WASHOUT_SYSTEMIC_STEROID",
    "WASHOUT_CHEMOTHERAPY",
    "WASHOUT_ANTI_CD38",
    "WASHOUT_ALEMTUZUMAB",
    "WASHOUT_OTHER",
    "WASHOUT_CLASSES",
    "WashoutTherapy",
    "WashoutCheck",
    "washout_checks",
    "earliest_apheresis_date",
]
