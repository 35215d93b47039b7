"""Body surface area to dose on (Mosteller) with the centre's optional cap. Pure: nothing
here imports Django."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from catalogue.dose_checks import _decimal, _fmt, _positive, _round_half_up, coded
from patients.rules import body_surface_area_m2

from . import codes

# Clinical reference §4: "make the cap a setting (default: no cap, warn > 2.2 m²)".
BSA_DEFAULT_CAP_M2: float | None = None
BSA_DEFAULT_WARN_ABOVE_M2 = 2.2


@dataclass(frozen=True)
class BsaResult:
    bsa_m2: float  # the value to dose on: rounded to 2 decimals, capped if a cap applied
    uncapped_bsa_m2: float  # Mosteller, rounded to 2 decimals, before any cap
    capped: bool
    warnings: tuple[str, ...]
    calculation: str
    # The same as codes with parameters (infusion/texts.py), said in the reader's language.
    steps: tuple[dict, ...] = ()
    warning_texts: tuple[dict, ...] = ()


def dosing_bsa(
    *,
    height_cm: float,
    weight_kg: float,
    cap_m2: float | None = BSA_DEFAULT_CAP_M2,
    warn_above_m2: float = BSA_DEFAULT_WARN_ABOVE_M2,
) -> BsaResult:
    """Body surface area to dose on (Mosteller), with the centre's optional cap.

    Height and weight are checked by patients.rules.body_surface_area_m2, which raises
    ValueError naming the field when a value is not plausible.
    """
    _decimal("height_cm", height_cm)
    _decimal("weight_kg", weight_kg)
    cap = None if cap_m2 is None else _positive("cap_m2", cap_m2)
    warn_above = _positive("warn_above_m2", warn_above_m2)

    raw_m2 = body_surface_area_m2(height_cm=height_cm, weight_kg=weight_kg)
    uncapped = _round_half_up(Decimal(repr(raw_m2)), Decimal("0.01"))
    calculation = (
        f"BSA √({_fmt(_decimal('height_cm', height_cm))} cm × "
        f"{_fmt(_decimal('weight_kg', weight_kg))} kg / 3600) = {uncapped:.2f} m²"
    )
    numbers = {
        "height": _fmt(_decimal("height_cm", height_cm)),
        "weight": _fmt(_decimal("weight_kg", weight_kg)),
        "bsa": f"{uncapped:.2f}",
    }
    step = coded(codes.BSA_MOSTELLER, **numbers)
    warnings: list[str] = []
    warning_texts: list[dict] = []
    capped = cap is not None and uncapped > cap
    if capped:
        assert cap is not None
        # Rounded down so a cap given with more decimals is never exceeded.
        bsa = cap.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        calculation += f", capped at {bsa:.2f} m²"
        step = coded(codes.BSA_MOSTELLER_CAPPED, cap=f"{bsa:.2f}", **numbers)
        warnings.append(f"BSA {uncapped:.2f} m² capped at {bsa:.2f} m² (centre setting).")
        warning_texts.append(
            coded(codes.BSA_CAPPED_WARNING, bsa=f"{uncapped:.2f}", cap=f"{bsa:.2f}")
        )
    else:
        bsa = uncapped
        if uncapped > warn_above:
            # Many centres cap at 2.0 m² or dose on adjusted weight in obesity (§4).
            warnings.append(
                f"BSA {uncapped:.2f} m² is above {_fmt(warn_above)} m²: check whether the "
                "centre caps BSA or doses on adjusted weight."
            )
            warning_texts.append(
                coded(codes.BSA_ABOVE_WARNING, bsa=f"{uncapped:.2f}", limit=_fmt(warn_above))
            )
    return BsaResult(
        bsa_m2=float(bsa),
        uncapped_bsa_m2=float(uncapped),
        capped=capped,
        warnings=tuple(warnings),
        calculation=calculation,
        steps=(step,),
        warning_texts=tuple(warning_texts),
    )
