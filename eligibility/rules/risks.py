"""Poor-outcome signals and CAR-HEMATOTOX (they do not exclude)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .criteria import _unit
from .helpers import _decimal, _fmt
from .inputs import Screening, validate_screening
from .thresholds import DEFAULT_THRESHOLDS, Threshold, _complete

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
