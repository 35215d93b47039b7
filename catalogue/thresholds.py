"""The programme's clinical thresholds: one table, the source beside each value.

Eligibility (screening criteria, poor-outcome signals, CAR-HEMATOTOX) and the washout before
apheresis that both screening and the pre-collection check apply (catalogue/washout.py). Pure
data: nothing here imports Django. Administrators edit the values in the admin
(catalogue.models.Threshold); every stage reads them through catalogue.selectors.thresholds().
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType


def as_decimal(name: str, value) -> Decimal:
    """A finite decimal from a number or its text; ValueError naming the field otherwise."""
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
            # Washout before apheresis, days from the last dose: screening's earliest
            # apheresis date and the pre-collection check both read these rows
            # (catalogue/washout.py).
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
            key, as_decimal(key, value), base.unit, base.description, base.source, base.verified
        )
    return MappingProxyType(merged)


def complete(
    thresholds: Mapping[str, Threshold], keys: tuple[str, ...] = THRESHOLD_KEYS
) -> Mapping[str, Threshold]:
    """The table itself, or ValueError naming the keys it lacks."""
    missing = [k for k in keys if k not in thresholds]
    if missing:
        raise ValueError(f"thresholds missing: {', '.join(missing)}")
    return thresholds
