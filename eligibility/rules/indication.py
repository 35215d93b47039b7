"""Eligibility for a CAR-T product, poor-outcome signals, CAR-HEMATOTOX and washout dates.

Pure functions: plain values in, plain values (with the reason written out) out. Nothing here
imports Django or touches the database, so a clinician can read every rule and the tests can
exercise every branch. The product's indications and the thresholds are passed in as data: the
defaults below are seeded into the database, where administrators may review them.

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

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from patients.rules import age_in_years

MET = "met"
NOT_MET = "not_met"
MISSING = "missing"

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
INCOMPLETE = "incomplete"

# Diagnosis codes: the values of patients.models.Diagnosis (not imported: no Django here).
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

# Drug classes a line may contain, as far as the label indications ask (ide-cel: IMiD, PI and
# anti-CD38; cilta-cel: PI and IMiD; liso-cel CLL: BTK and BCL-2 inhibitors).
DRUG_CLASSES = (
    "anti_cd20",
    "anthracycline",
    "imid",
    "proteasome_inhibitor",
    "anti_cd38",
    "btk_inhibitor",
    "bcl2_inhibitor",
    "bispecific",
)

# Outcome of a prior autologous transplant.
TRANSPLANT_RESPONSE = "response"  # ongoing response
TRANSPLANT_RELAPSED = "relapsed"
TRANSPLANT_REFRACTORY = "refractory"
TRANSPLANT_OUTCOMES = (TRANSPLANT_RESPONSE, TRANSPLANT_RELAPSED, TRANSPLANT_REFRACTORY)

# Post-transplant rule of an indication.
TRANSPLANT_RULE_ANY = "any"
TRANSPLANT_RULE_NOT_CANDIDATE = "not_candidate"
TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE = "failed_or_not_candidate"
TRANSPLANT_RULES = (
    TRANSPLANT_RULE_ANY,
    TRANSPLANT_RULE_NOT_CANDIDATE,
    TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
)

SEROLOGY_NEGATIVE = "negative"
SEROLOGY_POSITIVE = "positive"
SEROLOGY_RESULTS = (SEROLOGY_NEGATIVE, SEROLOGY_POSITIVE)

PREGNANCY_NOT_PREGNANT = "not_pregnant"
PREGNANCY_PREGNANT = "pregnant"
PREGNANCY_NOT_APPLICABLE = "not_applicable"
PREGNANCY_RESULTS = (PREGNANCY_NOT_PREGNANT, PREGNANCY_PREGNANT, PREGNANCY_NOT_APPLICABLE)

# Therapy classes with a washout before apheresis (clinical reference §5).
WASHOUT_SYSTEMIC_STEROID = "systemic_steroid"
WASHOUT_CHEMOTHERAPY = "chemotherapy"
WASHOUT_ANTI_CD38 = "anti_cd38"
WASHOUT_ALEMTUZUMAB = "alemtuzumab"
WASHOUT_OTHER = "other"
WASHOUT_CLASSES = (
    WASHOUT_SYSTEMIC_STEROID,
    WASHOUT_CHEMOTHERAPY,
    WASHOUT_ANTI_CD38,
    WASHOUT_ALEMTUZUMAB,
    WASHOUT_OTHER,
)

ECOG_RANGE = (0, 4)  # ECOG 5 is death


# --- Thresholds: one table, the source beside each value ------------------------------------


@dataclass(frozen=True)
class Threshold:
    key: str
    value: Decimal
    unit: str
    description: str
    source: str
    verified: bool  # False: UNVERIFIED in the clinical reference; editable default


def _t(key, value, unit, description, source, verified=True) -> Threshold:
    return Threshold(key, Decimal(value), unit, description, source, verified)


_S5 = "Clinical reference §5 (pivotal-trial entry criteria; institutional default — review)"
_HT = "Clinical reference §5, CAR-HEMATOTOX (Rejeski, Blood 2021): cut-offs UNVERIFIED"
_RISK = "Clinical reference §5 names the signal, not the cut-off: institutional default — review"
_WASH = "Clinical reference §5, washout before apheresis (institutional default — review)"

DEFAULT_THRESHOLDS: Mapping[str, Threshold] = MappingProxyType(
    {
        t.key: t
        for t in (
            # Eligibility: a value on the wrong side excludes.
            _t("ecog_max", "1", "", "ECOG at most (unless the indication allows more)", _S5),
            _t("anc_min", "1.0", "×10⁹/L", "ANC at least", _S5),
            _t("alc_min", "0.1", "×10⁹/L", "ALC at least", _S5),
            _t("platelets_min", "75", "×10⁹/L", "Platelets at least", _S5),
            _t(
                "crcl_min",
                "60",
                "mL/min",
                "Creatinine clearance at least (real-world practice: ≥ 30)",
                _S5,
            ),
            _t("alt_max_x_uln", "2.5", "× ULN", "ALT at most", _S5),
            _t("ast_max_x_uln", "2.5", "× ULN", "AST at most", _S5),
            _t("bilirubin_max", "1.5", "mg/dL", "Total bilirubin at most", _S5),
            _t("lvef_min", "50", "%", "LVEF at least (real-world practice: ≥ 40)", _S5),
            _t("spo2_above", "92", "%", "SpO2 on room air above", _S5),
            # Poor-outcome signals shown beside the result (they do not exclude).
            _t(
                "bulky_lesion_cm",
                "10",
                "cm",
                "Bulky disease: largest lesion at least",
                _RISK,
                False,
            ),
            _t("risk_ecog_min", "2", "", "Poor performance: ECOG at least", _S5),
            _t("risk_haemoglobin_below", "10.0", "g/dL", "Low haemoglobin: below", _RISK, False),
            _t("risk_platelets_below", "100", "×10⁹/L", "Low platelets: below", _RISK, False),
            _t("risk_prior_lines_min", "3", "", "Many prior lines: at least", _RISK, False),
            # CAR-HEMATOTOX points (before lymphodepletion).
            _t(
                "hematotox_anc_below",
                "1.2",
                "×10⁹/L",
                "HEMATOTOX: 1 point if ANC below",
                _HT,
                False,
            ),
            _t(
                "hematotox_haemoglobin_below",
                "9.0",
                "g/dL",
                "HEMATOTOX: 1 point if haemoglobin below",
                _HT,
                False,
            ),
            _t(
                "hematotox_platelets_1_point_at_most",
                "175",
                "×10⁹/L",
                "HEMATOTOX: 1 point if platelets at most",
                _HT,
                False,
            ),
            _t(
                "hematotox_platelets_2_points_below",
                "75",
                "×10⁹/L",
                "HEMATOTOX: 2 points if platelets below",
                _HT,
                False,
            ),
            _t(
                "hematotox_crp_at_least",
                "3.0",
                "mg/dL",
                "HEMATOTOX: 1 point if CRP at least",
                _HT,
                False,
            ),
            _t(
                "hematotox_ferritin_1_point_at_least",
                "650",
                "ng/mL",
                "HEMATOTOX: 1 point if ferritin at least",
                _HT,
                False,
            ),
            _t(
                "hematotox_ferritin_2_points_above",
                "2000",
                "ng/mL",
                "HEMATOTOX: 2 points if ferritin above",
                _HT,
                False,
            ),
            _t("hematotox_high_risk_min", "2", "points", "HEMATOTOX: high risk from", _HT, False),
            # Washout before apheresis, days from the last dose.
            _t(
                "washout_systemic_steroid_days",
                "7",
                "days",
                "Systemic steroid > 10 mg prednisone-equivalent a day: stopped at least",
                _WASH,
            ),
            _t(
                "washout_chemotherapy_days",
                "14",
                "days",
                "Chemotherapy (reference: 2–3 weeks): stopped at least",
                _WASH,
            ),
            _t(
                "washout_anti_cd38_days",
                "42",
                "days",
                "Anti-CD38 antibody: stopped at least",
                _WASH,
            ),
            _t("washout_alemtuzumab_days", "42", "days", "Alemtuzumab: stopped at least", _WASH),
        )
    }
)

THRESHOLD_KEYS = tuple(DEFAULT_THRESHOLDS)


def merge_thresholds(
    overrides: Mapping[str, Decimal | float | int | str],
) -> Mapping[str, Threshold]:
    """The default table with some values replaced (e.g. by the rows administrators edited)."""
    merged = dict(DEFAULT_THRESHOLDS)
    for key, value in overrides.items():
        if key not in merged:
            raise ValueError(f"unknown threshold {key!r}")
        base = merged[key]
        merged[key] = Threshold(
            key, _decimal(key, value), base.unit, base.description, base.source, base.verified
        )
    return MappingProxyType(merged)


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


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One line of the criteria table.

    `reason` is the English explanation. `code` and `params` let the page word it in the
    user's language; code "compare" is a comparison written with symbols (language-neutral).
    """

    key: str
    status: str
    reason: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    threshold_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilityResult:
    overall: str
    criteria: tuple[Criterion, ...]
    indication: Indication | None

    @property
    def not_met(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == NOT_MET)

    @property
    def missing(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == MISSING)


def overall_result(criteria: Iterable[Criterion]) -> str:
    statuses = {c.status for c in criteria}
    if NOT_MET in statuses:
        return NOT_ELIGIBLE
    if MISSING in statuses:
        return INCOMPLETE
    return ELIGIBLE


def evaluate_eligibility(
    screening: Screening,
    product: Product,
    thresholds: Mapping[str, Threshold] = DEFAULT_THRESHOLDS,
) -> EligibilityResult:
    """Every criterion for this product with met / not met / missing and why, and the result."""
    validate_screening(screening)
    th = _complete(thresholds)
    indication, indication_criteria = _indication_criteria(screening, product)
    ecog_max = (
        indication.ecog_max
        if indication is not None and indication.ecog_max is not None
        else int(th["ecog_max"].value)
    )
    criteria = [
        *indication_criteria,
        _ecog(
            screening.ecog,
            ecog_max,
            from_indication=indication is not None and indication.ecog_max is not None,
        ),
        _at_least("anc", screening.anc_10e9_l, th["anc_min"]),
        _at_least("alc", screening.alc_10e9_l, th["alc_min"]),
        _at_least("platelets", screening.platelets_10e9_l, th["platelets_min"]),
        _at_least("crcl", screening.crcl_ml_min, th["crcl_min"]),
        _times_uln("alt", screening.alt_u_l, screening.alt_uln_u_l, th["alt_max_x_uln"]),
        _times_uln("ast", screening.ast_u_l, screening.ast_uln_u_l, th["ast_max_x_uln"]),
        _at_most("bilirubin", screening.bilirubin_mg_dl, th["bilirubin_max"]),
        _at_least("lvef", screening.lvef_percent, th["lvef_min"]),
        _above("spo2", screening.spo2_percent, th["spo2_above"]),
        _absent("infection", screening.active_infection),
        _absent("cns", screening.cns_involvement),
        _serology(screening),
        _pregnancy(screening.pregnancy),
    ]
    return EligibilityResult(overall_result(criteria), tuple(criteria), indication)


# --- Indication -----------------------------------------------------------------------------


def _indication_criteria(
    s: Screening, product: Product
) -> tuple[Indication | None, list[Criterion]]:
    if s.diagnosis is None:
        return None, [Criterion("diagnosis", MISSING, "Diagnosis not recorded.", "missing")]
    candidates = [i for i in product.indications if i.diagnosis == s.diagnosis]
    if not candidates:
        indicated = ", ".join(dict.fromkeys(i.diagnosis for i in product.indications)) or "—"
        return None, [
            Criterion(
                "diagnosis",
                NOT_MET,
                f"{product.short_name} is not indicated for {s.diagnosis} "
                f"(indicated for: {indicated}).",
                "not_indicated",
                {"product": product.short_name, "diagnosis": s.diagnosis, "indicated": indicated},
            )
        ]
    evaluated = [(i, _checks_for(s, product, i)) for i in candidates]

    def rank(item):
        statuses = [c.status for c in item[1]]
        not_met, missing = statuses.count(NOT_MET), statuses.count(MISSING)
        # Among indications fully met, the one for the most prior lines describes the patient
        # best (two lines: "after ≥ 2 lines", not the second-line indication).
        specific = -item[0].min_prior_lines if not_met == missing == 0 else 0
        return (not_met, missing, specific)

    # min() keeps the first of equals, so the catalogue order breaks remaining ties.
    return min(evaluated, key=rank)


def _checks_for(s: Screening, product: Product, ind: Indication) -> list[Criterion]:
    checks = [
        Criterion(
            "diagnosis",
            MET,
            f"{s.diagnosis}: {product.short_name} — {ind.description}.",
            "indicated",
            {
                "product": product.short_name,
                "diagnosis": s.diagnosis,
                "indication": ind.description,
            },
        ),
        _prior_lines(s, ind),
    ]
    if ind.first_line_relapse_within_months is not None:
        checks.append(_first_line_outcome(s, ind.first_line_relapse_within_months))
    if ind.first_line_required_drug_classes:
        checks.append(_first_line_classes(s, ind.first_line_required_drug_classes))
    if ind.requires_refractory_or_second_relapse:
        checks.append(_refractory_or_second_relapse(s))
    if ind.last_line_relapse_within_months is not None:
        checks.append(_last_line_outcome(s, ind.last_line_relapse_within_months))
    if ind.post_transplant_rule != TRANSPLANT_RULE_ANY:
        checks.append(_transplant(s, ind.post_transplant_rule))
    if ind.min_age_years is not None or ind.max_age_years is not None:
        checks.append(_age(s, ind))
    if ind.required_prior_drug_classes:
        checks.append(_drug_classes(s, ind.required_prior_drug_classes))
    if ind.requires_lenalidomide_refractory:
        checks.append(_lenalidomide(s.lenalidomide_refractory))
    return checks


def _prior_lines(s: Screening, ind: Indication) -> Criterion:
    n = len(s.prior_lines)
    if n == 0:
        return Criterion(
            "prior_lines",
            MISSING,
            "No prior line of systemic therapy recorded.",
            "no_lines",
            {"min": ind.min_prior_lines},
        )
    met = n >= ind.min_prior_lines
    text = f"{n} {'≥' if met else '<'} {ind.min_prior_lines}"
    return Criterion("prior_lines", MET if met else NOT_MET, text, "compare", {"text": text})


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _first_line_outcome(s: Screening, months: int) -> Criterion:
    first = next((line for line in s.prior_lines if line.line_number == 1), None)
    params = {"months": months}
    if first is None:
        return Criterion(
            "first_line_outcome", MISSING, "First line not recorded.", "first_line_missing", params
        )
    if first.best_response in REFRACTORY_RESPONSES:
        return Criterion(
            "first_line_outcome",
            MET,
            f"Refractory to first line (best response {first.best_response}).",
            "first_line_refractory",
            {**params, "response": first.best_response},
        )
    if first.best_response in (None, RESPONSE_UNKNOWN) and first.progression_date is None:
        return Criterion(
            "first_line_outcome",
            MISSING,
            "Best response to the first line not recorded.",
            "first_line_response_missing",
            params,
        )
    if first.progression_date is None or first.end_date is None:
        return Criterion(
            "first_line_outcome",
            MISSING,
            "First-line end date or relapse date not recorded.",
            "first_line_dates_missing",
            params,
        )
    limit = add_months(first.end_date, months)
    within = first.progression_date <= limit
    return Criterion(
        "first_line_outcome",
        MET if within else NOT_MET,
        f"Relapse on {first.progression_date.isoformat()}, "
        f"{'within' if within else 'more than'} {months} months of the first line's end "
        f"({first.end_date.isoformat()}).",
        "first_line_early_relapse" if within else "first_line_late_relapse",
        {**params, "relapse": first.progression_date, "end": first.end_date},
    )


RESPONDED = frozenset({RESPONSE_CR, RESPONSE_PR})


def _first_line_classes(s: Screening, required: tuple[str, ...]) -> Criterion:
    """Yescarta US label §1.1: second line after first-line chemoimmunotherapy (an anti-CD20
    antibody with chemotherapy): the first line must include the required classes."""
    first = next((line for line in s.prior_lines if line.line_number == 1), None)
    if first is None:
        return Criterion(
            "first_line_classes",
            MISSING,
            "First line not recorded.",
            "first_line_missing",
            {"classes": required},
        )
    lacking = tuple(c for c in required if c not in first.drug_classes)
    if lacking:
        return Criterion(
            "first_line_classes",
            NOT_MET,
            f"The first line did not include: {', '.join(lacking)} (chemoimmunotherapy).",
            "first_line_classes_lacking",
            {"classes": lacking},
        )
    return Criterion(
        "first_line_classes",
        MET,
        f"First line included: {', '.join(required)}.",
        "first_line_classes_seen",
        {"classes": required},
    )


def _refractory_or_second_relapse(s: Screening) -> Criterion:
    """Kymriah US label §1.1 (B-ALL): refractory, or in second or later relapse. A line with
    best response SD or PD is refractory; a line that reached CR or PR and then progressed
    is a relapse. First relapse is not an indication."""
    key = "refractory_or_second_relapse"
    if not s.prior_lines:
        return Criterion(key, MISSING, "No prior line recorded.", "no_lines")
    refractory = [line for line in s.prior_lines if line.best_response in REFRACTORY_RESPONSES]
    if refractory:
        line = refractory[0]
        return Criterion(
            key,
            MET,
            f"Refractory (line {line.line_number}: best response {line.best_response}).",
            "refractory",
            {"line": line.line_number, "response": line.best_response},
        )
    relapses = sum(
        1
        for line in s.prior_lines
        if line.best_response in RESPONDED and line.progression_date is not None
    )
    if relapses >= 2:
        return Criterion(
            key, MET, f"Relapse number {relapses}.", "second_relapse", {"relapses": relapses}
        )
    unknown = [line for line in s.prior_lines if line.best_response in (None, RESPONSE_UNKNOWN)]
    if unknown:
        return Criterion(
            key,
            MISSING,
            "Best response of a prior line not recorded.",
            "line_response_missing",
            {"line": unknown[0].line_number},
        )
    if relapses == 1:
        return Criterion(
            key,
            NOT_MET,
            "First relapse: not an indication (refractory or second or later relapse only).",
            "first_relapse",
        )
    return Criterion(key, NOT_MET, "Neither refractory nor relapsed.", "not_relapsed_or_refractory")


def _last_line_outcome(s: Screening, months: int) -> Criterion:
    """Carteyva (relma-cel) NMPA approval, FL: refractory to, or relapse within `months` of,
    second-line or later therapy. Checked on the most recent line, which must be line 2 or
    later."""
    key = "last_line_outcome"
    params = {"months": months}
    if not s.prior_lines:
        return Criterion(key, MISSING, "No prior line recorded.", "no_lines", params)
    last = max(s.prior_lines, key=lambda line: line.line_number)
    params = {**params, "line": last.line_number}
    if last.line_number < 2:
        return Criterion(key, NOT_MET, "No second-line therapy recorded.", "no_second_line", params)
    if last.best_response in REFRACTORY_RESPONSES:
        return Criterion(
            key,
            MET,
            f"Refractory to line {last.line_number} (best response {last.best_response}).",
            "last_line_refractory",
            {**params, "response": last.best_response},
        )
    if last.best_response in (None, RESPONSE_UNKNOWN) and last.progression_date is None:
        return Criterion(
            key,
            MISSING,
            f"Best response to line {last.line_number} not recorded.",
            "last_line_response_missing",
            params,
        )
    if last.progression_date is None or last.end_date is None:
        return Criterion(
            key,
            MISSING,
            f"End date or relapse date of line {last.line_number} not recorded.",
            "last_line_dates_missing",
            params,
        )
    within = last.progression_date <= add_months(last.end_date, months)
    return Criterion(
        key,
        MET if within else NOT_MET,
        f"Relapse on {last.progression_date.isoformat()}, "
        f"{'within' if within else 'more than'} {months} months of the end of line "
        f"{last.line_number} ({last.end_date.isoformat()}).",
        "last_line_early_relapse" if within else "last_line_late_relapse",
        {**params, "relapse": last.progression_date, "end": last.end_date},
    )


def _transplant(s: Screening, rule: str) -> Criterion:
    failed = s.prior_autologous_transplant is True and s.transplant_outcome in (
        TRANSPLANT_RELAPSED,
        TRANSPLANT_REFRACTORY,
    )
    if rule == TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE and failed:
        return Criterion(
            "transplant",
            MET,
            "Relapsed or refractory after autologous transplant.",
            "transplant_failed",
        )
    if s.transplant_candidate is False:
        return Criterion(
            "transplant", MET, "Not a candidate for autologous transplant.", "not_candidate"
        )
    if s.transplant_candidate is True:
        return Criterion(
            "transplant",
            NOT_MET,
            "A candidate for autologous transplant: this indication is for patients who are not"
            + (" or who relapsed after one." if rule != TRANSPLANT_RULE_NOT_CANDIDATE else "."),
            "candidate",
            {"rule": rule},
        )
    if rule == TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE and (
        s.prior_autologous_transplant is None
        or (s.prior_autologous_transplant and s.transplant_outcome is None)
    ):
        return Criterion(
            "transplant",
            MISSING,
            "Prior transplant or its outcome not recorded.",
            "transplant_missing",
        )
    return Criterion(
        "transplant",
        MISSING,
        "Whether the patient is a transplant candidate is not recorded.",
        "candidate_missing",
    )


def _age(s: Screening, ind: Indication) -> Criterion:
    age = age_in_years(date_of_birth=s.date_of_birth, on=s.assessed_on)
    if ind.min_age_years is not None and age < ind.min_age_years:
        text = f"{age} < {ind.min_age_years}"
        return Criterion("age", NOT_MET, text, "compare", {"text": text})
    if ind.max_age_years is not None and age > ind.max_age_years:
        text = f"{age} > {ind.max_age_years}"
        return Criterion("age", NOT_MET, text, "compare", {"text": text})
    low = f"{ind.min_age_years} ≤ " if ind.min_age_years is not None else ""
    high = f" ≤ {ind.max_age_years}" if ind.max_age_years is not None else ""
    text = f"{low}{age}{high}"
    return Criterion("age", MET, text, "compare", {"text": text})


def _drug_classes(s: Screening, required: tuple[str, ...]) -> Criterion:
    if not s.prior_lines:
        return Criterion(
            "prior_drug_classes",
            MISSING,
            "No prior line recorded.",
            "no_lines",
            {"classes": required},
        )
    seen = {c for line in s.prior_lines for c in line.drug_classes}
    lacking = tuple(c for c in required if c not in seen)
    if lacking:
        return Criterion(
            "prior_drug_classes",
            NOT_MET,
            f"No prior exposure recorded to: {', '.join(lacking)}.",
            "classes_lacking",
            {"classes": lacking},
        )
    return Criterion(
        "prior_drug_classes",
        MET,
        f"Prior exposure to: {', '.join(required)}.",
        "classes_seen",
        {"classes": required},
    )


def _lenalidomide(refractory: bool | None) -> Criterion:
    if refractory is None:
        return Criterion(
            "lenalidomide_refractory",
            MISSING,
            "Lenalidomide refractoriness not recorded.",
            "missing",
        )
    if refractory:
        return Criterion("lenalidomide_refractory", MET, "Lenalidomide-refractory.", "yes")
    return Criterion("lenalidomide_refractory", NOT_MET, "Not lenalidomide-refractory.", "no")


# --- Fitness, organ function, blood counts, safety ------------------------------------------


def _ecog(ecog: int | None, ecog_max: int, *, from_indication: bool) -> Criterion:
    keys = () if from_indication else ("ecog_max",)
    if ecog is None:
        return Criterion("ecog", MISSING, "ECOG not recorded.", "missing", {}, keys)
    met = ecog <= ecog_max
    text = f"{ecog} {'≤' if met else '>'} {ecog_max}"
    return Criterion("ecog", MET if met else NOT_MET, text, "compare", {"text": text}, keys)


def _unit(threshold: Threshold) -> str:
    return f" {threshold.unit}" if threshold.unit else ""


def _at_least(key: str, value, threshold: Threshold) -> Criterion:
    if value is None:
        return Criterion(key, MISSING, "Not recorded.", "missing", {}, (threshold.key,))
    value = _decimal(key, value)
    met = value >= threshold.value
    text = f"{_fmt(value)} {'≥' if met else '<'} {_fmt(threshold.value)}{_unit(threshold)}"
    return Criterion(
        key, MET if met else NOT_MET, text, "compare", {"text": text}, (threshold.key,)
    )


def _at_most(key: str, value, threshold: Threshold) -> Criterion:
    if value is None:
        return Criterion(key, MISSING, "Not recorded.", "missing", {}, (threshold.key,))
    value = _decimal(key, value)
    met = value <= threshold.value
    text = f"{_fmt(value)} {'≤' if met else '>'} {_fmt(threshold.value)}{_unit(threshold)}"
    return Criterion(
        key, MET if met else NOT_MET, text, "compare", {"text": text}, (threshold.key,)
    )


def _above(key: str, value, threshold: Threshold) -> Criterion:
    if value is None:
        return Criterion(key, MISSING, "Not recorded.", "missing", {}, (threshold.key,))
    value = _decimal(key, value)
    met = value > threshold.value
    text = f"{_fmt(value)} {'>' if met else '≤'} {_fmt(threshold.value)}{_unit(threshold)}"
    return Criterion(
        key, MET if met else NOT_MET, text, "compare", {"text": text}, (threshold.key,)
    )


def _times_uln(key: str, value, uln, threshold: Threshold) -> Criterion:
    if value is None or uln is None:
        return Criterion(
            key,
            MISSING,
            "Value or upper limit of normal not recorded.",
            "missing_uln",
            {},
            (threshold.key,),
        )
    value, uln = _decimal(key, value), _decimal(f"{key}_uln", uln)
    ratio = value / uln
    met = ratio <= threshold.value
    text = (
        f"{_fmt(value)}/{_fmt(uln)} U/L = {ratio:.1f} {'≤' if met else '>'} "
        f"{_fmt(threshold.value)}{_unit(threshold)}"
    )
    return Criterion(
        key, MET if met else NOT_MET, text, "compare", {"text": text}, (threshold.key,)
    )


def _absent(key: str, present: bool | None) -> Criterion:
    if present is None:
        return Criterion(key, MISSING, "Not recorded.", "missing")
    if present:
        return Criterion(key, NOT_MET, "Present.", "present")
    return Criterion(key, MET, "Absent.", "absent")


def _serology(s: Screening) -> Criterion:
    results = {"HBV": s.hbv, "HCV": s.hcv, "HIV": s.hiv}
    missing = [name for name, value in results.items() if value is None]
    if missing:
        return Criterion(
            "serology",
            MISSING,
            f"Not screened: {', '.join(missing)}.",
            "not_screened",
            {"viruses": ", ".join(missing)},
        )
    positive = [name for name, value in results.items() if value == SEROLOGY_POSITIVE]
    if positive:
        return Criterion(
            "serology",
            MET,
            f"Screened; positive: {', '.join(positive)} — plan antiviral prophylaxis.",
            "screened_positive",
            {"viruses": ", ".join(positive)},
        )
    return Criterion("serology", MET, "Screened, all negative.", "screened_negative")


def _pregnancy(value: str | None) -> Criterion:
    if value is None:
        return Criterion("pregnancy", MISSING, "Not recorded.", "missing")
    if value == PREGNANCY_PREGNANT:
        return Criterion("pregnancy", NOT_MET, "Pregnant.", "pregnant")
    if value == PREGNANCY_NOT_APPLICABLE:
        return Criterion("pregnancy", MET, "Not applicable.", "not_applicable")
    return Criterion("pregnancy", MET, "Pregnancy test negative.", "not_pregnant")


# --- Poor-outcome signals and CAR-HEMATOTOX -------------------------------------------------

LOW = "low"
HIGH = "high"


@dataclass(frozen=True)
class HematotoxComponent:
    key: str  # anc, haemoglobin, platelets, crp, ferritin
    value: Decimal | None
    points: int | None  # None: not recorded
    reason: str


@dataclass(frozen=True)
class HematotoxResult:
    score: int | None  # None while an input is missing
    points_counted: int  # the points of the recorded inputs (a lower bound of the score)
    group: str | None  # "low", "high", or None when it cannot be told yet
    components: tuple[HematotoxComponent, ...]
    missing: tuple[str, ...]
    high_risk_min: int


def hematotox_score(
    *,
    anc_10e9_l=None,
    haemoglobin_g_dl=None,
    platelets_10e9_l=None,
    crp_mg_dl=None,
    ferritin_ng_ml=None,
    thresholds: Mapping[str, Threshold] = DEFAULT_THRESHOLDS,
) -> HematotoxResult:
    """CAR-HEMATOTOX (Rejeski, Blood 2021) from the labs before lymphodepletion.

    ANC < 1.2 = 1; haemoglobin < 9.0 g/dL = 1; platelets 75–175 = 1, < 75 = 2; CRP ≥ 3.0 mg/dL
    = 1; ferritin 650–2000 = 1, > 2000 = 2 (ranges inclusive at both ends). 0–1 low, ≥ 2 high.
    """
    th = _complete(thresholds)
    values = {
        "anc": anc_10e9_l,
        "haemoglobin": haemoglobin_g_dl,
        "platelets": platelets_10e9_l,
        "crp": crp_mg_dl,
        "ferritin": ferritin_ng_ml,
    }
    components = []
    for key, raw in values.items():
        if raw is None:
            components.append(HematotoxComponent(key, None, None, "Not recorded."))
            continue
        value = _decimal(key, raw)
        if value < 0:
            raise ValueError(f"{key} cannot be negative, got {raw}")
        points, reason = _hematotox_points(key, value, th)
        components.append(HematotoxComponent(key, value, points, reason))
    counted = sum(c.points or 0 for c in components)
    missing = tuple(c.key for c in components if c.points is None)
    cut = int(th["hematotox_high_risk_min"].value)
    if counted >= cut:
        group = HIGH
    elif missing:
        group = None
    else:
        group = LOW
    return HematotoxResult(
        score=None if missing else counted,
        points_counted=counted,
        group=group,
        components=tuple(components),
        missing=missing,
        high_risk_min=cut,
    )


def _hematotox_points(key: str, v: Decimal, th: Mapping[str, Threshold]) -> tuple[int, str]:
    f = _fmt
    if key == "anc":
        cut = th["hematotox_anc_below"].value
        return (1, f"{f(v)} < {f(cut)}") if v < cut else (0, f"{f(v)} ≥ {f(cut)}")
    if key == "haemoglobin":
        cut = th["hematotox_haemoglobin_below"].value
        return (1, f"{f(v)} < {f(cut)}") if v < cut else (0, f"{f(v)} ≥ {f(cut)}")
    if key == "platelets":
        low = th["hematotox_platelets_2_points_below"].value
        high = th["hematotox_platelets_1_point_at_most"].value
        if v < low:
            return 2, f"{f(v)} < {f(low)}"
        if v <= high:
            return 1, f"{f(low)} ≤ {f(v)} ≤ {f(high)}"
        return 0, f"{f(v)} > {f(high)}"
    if key == "crp":
        cut = th["hematotox_crp_at_least"].value
        return (1, f"{f(v)} ≥ {f(cut)}") if v >= cut else (0, f"{f(v)} < {f(cut)}")
    low = th["hematotox_ferritin_1_point_at_least"].value
    high = th["hematotox_ferritin_2_points_above"].value
    if v > high:
        return 2, f"{f(v)} > {f(high)}"
    if v >= low:
        return 1, f"{f(low)} ≤ {f(v)} ≤ {f(high)}"
    return 0, f"{f(v)} < {f(low)}"


@dataclass(frozen=True)
class RiskSignal:
    key: str
    present: bool | None  # None: not recorded
    reason: str
    threshold_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class RiskPanel:
    signals: tuple[RiskSignal, ...]
    hematotox: HematotoxResult

    @property
    def present(self) -> tuple[RiskSignal, ...]:
        return tuple(s for s in self.signals if s.present)


def outcome_risks(
    screening: Screening, thresholds: Mapping[str, Threshold] = DEFAULT_THRESHOLDS
) -> RiskPanel:
    """Signals of a poorer outcome the treating team weighs (they do not exclude)."""
    validate_screening(screening)
    th = _complete(thresholds)
    s = screening
    signals = (
        _signal_at_least("bulky_disease", s.largest_lesion_cm, th["bulky_lesion_cm"]),
        _ldh_signal(s.ldh_u_l, s.ldh_uln_u_l),
        _signal_at_least("poor_performance", s.ecog, th["risk_ecog_min"]),
        _signal_below("low_haemoglobin", s.haemoglobin_g_dl, th["risk_haemoglobin_below"]),
        _signal_below("low_platelets", s.platelets_10e9_l, th["risk_platelets_below"]),
        _signal_at_least(
            "many_prior_lines",
            len(s.prior_lines) if s.prior_lines else None,
            th["risk_prior_lines_min"],
        ),
    )
    hematotox = hematotox_score(
        anc_10e9_l=s.anc_10e9_l,
        haemoglobin_g_dl=s.haemoglobin_g_dl,
        platelets_10e9_l=s.platelets_10e9_l,
        crp_mg_dl=s.crp_mg_dl,
        ferritin_ng_ml=s.ferritin_ng_ml,
        thresholds=th,
    )
    return RiskPanel(signals, hematotox)


def _signal_at_least(key: str, value, threshold: Threshold) -> RiskSignal:
    if value is None:
        return RiskSignal(key, None, "Not recorded.", (threshold.key,))
    value = _decimal(key, value)
    present = value >= threshold.value
    text = f"{_fmt(value)} {'≥' if present else '<'} {_fmt(threshold.value)}{_unit(threshold)}"
    return RiskSignal(key, present, text, (threshold.key,))


def _signal_below(key: str, value, threshold: Threshold) -> RiskSignal:
    if value is None:
        return RiskSignal(key, None, "Not recorded.", (threshold.key,))
    value = _decimal(key, value)
    present = value < threshold.value
    text = f"{_fmt(value)} {'<' if present else '≥'} {_fmt(threshold.value)}{_unit(threshold)}"
    return RiskSignal(key, present, text, (threshold.key,))


def _ldh_signal(ldh, uln) -> RiskSignal:
    if ldh is None or uln is None:
        return RiskSignal("ldh_above_normal", None, "Not recorded.")
    ldh, uln = _decimal("ldh_u_l", ldh), _decimal("ldh_uln_u_l", uln)
    present = ldh > uln
    text = f"{_fmt(ldh)} {'>' if present else '≤'} {_fmt(uln)} U/L (ULN)"
    return RiskSignal("ldh_above_normal", present, text)


# --- Washout before apheresis ---------------------------------------------------------------

_WASHOUT_THRESHOLD = {
    WASHOUT_SYSTEMIC_STEROID: "washout_systemic_steroid_days",
    WASHOUT_CHEMOTHERAPY: "washout_chemotherapy_days",
    WASHOUT_ANTI_CD38: "washout_anti_cd38_days",
    WASHOUT_ALEMTUZUMAB: "washout_alemtuzumab_days",
}


@dataclass(frozen=True)
class WashoutTherapy:
    therapy_class: str
    last_dose_date: date
    description: str = ""


@dataclass(frozen=True)
class WashoutCheck:
    therapy: WashoutTherapy
    min_days: int | None  # None: no rule for this class (a clinician judges)
    clear_on: date | None  # first day the washout is complete
    clear: bool | None  # on the day asked about; None when there is no rule
    reason: str


def washout_checks(
    therapies: Iterable[WashoutTherapy],
    *,
    on: date,
    thresholds: Mapping[str, Threshold] = DEFAULT_THRESHOLDS,
) -> tuple[WashoutCheck, ...]:
    """For each recent therapy, the first day apheresis may take place and whether `on` is."""
    _plain_date("on", on)
    th = _complete(thresholds)
    checks = []
    for therapy in therapies:
        if therapy.therapy_class not in WASHOUT_CLASSES:
            raise ValueError(f"therapy_class must be one of {', '.join(WASHOUT_CLASSES)}")
        _plain_date("last_dose_date", therapy.last_dose_date)
        key = _WASHOUT_THRESHOLD.get(therapy.therapy_class)
        if key is None:
            checks.append(
                WashoutCheck(therapy, None, None, None, "No default washout: clinician to judge.")
            )
            continue
        days = int(th[key].value)
        clear_on = therapy.last_dose_date + timedelta(days=days)
        clear = on >= clear_on
        checks.append(
            WashoutCheck(
                therapy,
                days,
                clear_on,
                clear,
                f"Last dose {therapy.last_dose_date.isoformat()} + {days} days = "
                f"{clear_on.isoformat()}",
            )
        )
    return tuple(checks)


def earliest_apheresis_date(checks: Iterable[WashoutCheck]) -> date | None:
    """The first day every washout with a rule is complete (None when no rule applies)."""
    dates = [c.clear_on for c in checks if c.clear_on is not None]
    return max(dates) if dates else None


# --- Helpers --------------------------------------------------------------------------------


def _complete(thresholds: Mapping[str, Threshold]) -> Mapping[str, Threshold]:
    missing = [k for k in THRESHOLD_KEYS if k not in thresholds]
    if missing:
        raise ValueError(f"thresholds missing: {', '.join(missing)}")
    return thresholds


def _plain_date(name: str, value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date, got {value!r}")


def _decimal(name: str, value) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return result


def _fmt(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros after the point (1.50 → 1.5, 100 → 100)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
