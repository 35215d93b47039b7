"""Inputs of the eligibility rules: coded values, the product's indications, the screening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from catalogue.indications import (  # noqa: F401  (the catalogue's codes, re-exported)
    DRUG_CLASSES,
    ECOG_RANGE,
    TRANSPLANT_RULE_ANY,
    TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
    TRANSPLANT_RULE_NOT_CANDIDATE,
    TRANSPLANT_RULES,
)

from .helpers import _decimal, _plain_date

# Diagnosis codes: the values of catalogue.models.Diagnosis (not imported: no Django here).
DIAGNOSES = ("LBCL", "FL", "MCL", "B-ALL", "CLL/SLL", "MM", "MZL")

# Best response to a line of therapy (Lugano 2014 / IMWG wording collapsed to five values).
RESPONSE_CR = "CR"
RESPONSE_PR = "PR"
RESPONSE_SD = "SD"
RESPONSE_PD = "PD"
RESPONSE_UNKNOWN = "NE"
RESPONSES = (RESPONSE_CR, RESPONSE_PR, RESPONSE_SD, RESPONSE_PD, RESPONSE_UNKNOWN)
# Stable or progressive disease as best response: refractory to that line.
REFRACTORY_RESPONSES = frozenset({RESPONSE_SD, RESPONSE_PD})

# Outcome of a prior autologous transplant.
TRANSPLANT_RESPONSE = "response"  # ongoing response
TRANSPLANT_RELAPSED = "relapsed"
TRANSPLANT_REFRACTORY = "refractory"
TRANSPLANT_OUTCOMES = (TRANSPLANT_RESPONSE, TRANSPLANT_RELAPSED, TRANSPLANT_REFRACTORY)

SEROLOGY_NEGATIVE = "negative"
SEROLOGY_POSITIVE = "positive"
SEROLOGY_RESULTS = (SEROLOGY_NEGATIVE, SEROLOGY_POSITIVE)

PREGNANCY_NOT_PREGNANT = "not_pregnant"
PREGNANCY_PREGNANT = "pregnant"
PREGNANCY_NOT_APPLICABLE = "not_applicable"
PREGNANCY_RESULTS = (PREGNANCY_NOT_PREGNANT, PREGNANCY_PREGNANT, PREGNANCY_NOT_APPLICABLE)


# --- Inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indication:
    diagnosis: str
    description: str
    min_prior_lines: int = 0
    # Set for second-line indications: refractory to the first line, or progression within
    # this many months of its end (axi-cel, liso-cel: 12 months).
    first_line_relapse_within_months: int | None = None
    post_transplant_rule: str = TRANSPLANT_RULE_ANY
    min_age_years: int | None = None
    max_age_years: int | None = None
    ecog_max: int | None = None  # None: the default threshold
    required_prior_drug_classes: tuple[str, ...] = ()
    requires_lenalidomide_refractory: bool = False
    # Issue 16 item 7 (rules from the labels):
    # Kymriah US label §1.1: B-ALL refractory or in second or later relapse (first relapse is
    # not an indication).
    requires_refractory_or_second_relapse: bool = False
    # Carteyva (relma-cel) NMPA approval, FL: refractory to, or relapse within this many months
    # of, second-line or later therapy (24). Checked on the most recent line.
    last_line_relapse_within_months: int | None = None
    # Yescarta US label §1.1, second line: refractory to or relapse within 12 months of
    # first-line chemoimmunotherapy, i.e. the first line included these classes.
    first_line_required_drug_classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Product:
    code: str
    short_name: str
    indications: tuple[Indication, ...]


@dataclass(frozen=True)
class PriorLine:
    line_number: int
    start_date: date | None = None
    end_date: date | None = None
    best_response: str | None = None
    progression_date: date | None = None
    drug_classes: tuple[str, ...] = ()
    regimen: str = ""


@dataclass(frozen=True)
class Screening:
    assessed_on: date
    date_of_birth: date
    diagnosis: str | None = None
    prior_lines: tuple[PriorLine, ...] = ()
    prior_autologous_transplant: bool | None = None
    transplant_outcome: str | None = None
    transplant_candidate: bool | None = None
    lenalidomide_refractory: bool | None = None
    ecog: int | None = None
    crcl_ml_min: Decimal | None = None
    bilirubin_mg_dl: Decimal | None = None
    alt_u_l: Decimal | None = None
    alt_uln_u_l: Decimal | None = None
    ast_u_l: Decimal | None = None
    ast_uln_u_l: Decimal | None = None
    lvef_percent: Decimal | None = None
    spo2_percent: Decimal | None = None
    haemoglobin_g_dl: Decimal | None = None
    platelets_10e9_l: Decimal | None = None
    anc_10e9_l: Decimal | None = None
    alc_10e9_l: Decimal | None = None
    ldh_u_l: Decimal | None = None
    ldh_uln_u_l: Decimal | None = None
    ferritin_ng_ml: Decimal | None = None
    crp_mg_dl: Decimal | None = None
    largest_lesion_cm: Decimal | None = None
    cns_involvement: bool | None = None
    active_infection: bool | None = None
    hbv: str | None = None
    hcv: str | None = None
    hiv: str | None = None
    pregnancy: str | None = None


# Numeric inputs: a negative count or a percentage above 100 is a typing error, refused.
_NUMBERS_NON_NEGATIVE = (
    "crcl_ml_min",
    "bilirubin_mg_dl",
    "alt_u_l",
    "ast_u_l",
    "haemoglobin_g_dl",
    "platelets_10e9_l",
    "anc_10e9_l",
    "alc_10e9_l",
    "ldh_u_l",
    "ferritin_ng_ml",
    "crp_mg_dl",
    "largest_lesion_cm",
)
_NUMBERS_POSITIVE = ("alt_uln_u_l", "ast_uln_u_l", "ldh_uln_u_l")
_PERCENTAGES = ("lvef_percent", "spo2_percent")


def validate_screening(s: Screening) -> None:
    """Raise ValueError naming the first implausible input (the forms say it in words)."""
    _plain_date("assessed_on", s.assessed_on)
    _plain_date("date_of_birth", s.date_of_birth)
    if s.date_of_birth > s.assessed_on:
        raise ValueError("date_of_birth is after the assessment date")
    if s.diagnosis is not None and s.diagnosis not in DIAGNOSES:
        raise ValueError(f"diagnosis must be one of {', '.join(DIAGNOSES)}, got {s.diagnosis!r}")
    if s.ecog is not None:
        if isinstance(s.ecog, bool) or not isinstance(s.ecog, int):
            raise ValueError(f"ecog must be a whole number, got {s.ecog!r}")
        if not ECOG_RANGE[0] <= s.ecog <= ECOG_RANGE[1]:
            raise ValueError(f"ecog must be between 0 and 4, got {s.ecog}")
    for name in _NUMBERS_NON_NEGATIVE:
        value = getattr(s, name)
        if value is not None and _decimal(name, value) < 0:
            raise ValueError(f"{name} cannot be negative, got {value}")
    for name in _NUMBERS_POSITIVE:
        value = getattr(s, name)
        if value is not None and _decimal(name, value) <= 0:
            raise ValueError(f"{name} must be above zero, got {value}")
    for name in _PERCENTAGES:
        value = getattr(s, name)
        if value is not None and not 0 <= _decimal(name, value) <= 100:
            raise ValueError(f"{name} must be between 0 and 100, got {value}")
    for name, allowed in (
        ("transplant_outcome", TRANSPLANT_OUTCOMES),
        ("hbv", SEROLOGY_RESULTS),
        ("hcv", SEROLOGY_RESULTS),
        ("hiv", SEROLOGY_RESULTS),
        ("pregnancy", PREGNANCY_RESULTS),
    ):
        value = getattr(s, name)
        if value is not None and value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    numbers = [line.line_number for line in s.prior_lines]
    if len(set(numbers)) != len(numbers):
        raise ValueError("prior_lines: each line number may appear once")
    for line in s.prior_lines:
        for name in ("start_date", "end_date", "progression_date"):
            value = getattr(line, name)
            if value is not None:
                _plain_date(name, value)
                if value > s.assessed_on:
                    raise ValueError(f"prior line {line.line_number}: {name} is in the future")
        if line.start_date and line.end_date and line.end_date < line.start_date:
            raise ValueError(f"prior line {line.line_number}: end_date is before start_date")
        if line.best_response is not None and line.best_response not in RESPONSES:
            raise ValueError(f"prior line {line.line_number}: unknown response")
        unknown = set(line.drug_classes) - set(DRUG_CLASSES)
        if unknown:
            raise ValueError(f"prior line {line.line_number}: unknown drug classes {unknown}")
