"""Evaluation of eligibility, and the fitness, organ function, blood count and safety criteria."""

from __future__ import annotations

from collections.abc import Mapping

from .helpers import _decimal, _fmt
from .indication import _indication_criteria
from .inputs import (
    PREGNANCY_NOT_APPLICABLE,
    PREGNANCY_PREGNANT,
    SEROLOGY_POSITIVE,
    Product,
    Screening,
    validate_screening,
)
from .results import MET, MISSING, NOT_MET, Criterion, EligibilityResult, overall_result
from .thresholds import DEFAULT_THRESHOLDS, Threshold, _complete


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
