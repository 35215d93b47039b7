"""Eligibility criteria from the product's indication: lines, relapse timing, transplant, age."""

from __future__ import annotations

import calendar
from datetime import date

from patients.rules import age_in_years

from .inputs import (
    REFRACTORY_RESPONSES,
    RESPONSE_CR,
    RESPONSE_PR,
    RESPONSE_UNKNOWN,
    TRANSPLANT_REFRACTORY,
    TRANSPLANT_RELAPSED,
    TRANSPLANT_RULE_ANY,
    TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
    TRANSPLANT_RULE_NOT_CANDIDATE,
    Indication,
    Product,
    Screening,
)
from .results import MET, MISSING, NOT_MET, Criterion

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
