"""Dose per kilogram for products the label doses by body weight."""

from __future__ import annotations

from decimal import Decimal

from .checks import _decimal

# --- Dose per kilogram ---------------------------------------------------------------------

# Products whose label doses by body weight (clinical reference §4): axi-cel and brexu-cel
# 2 × 10⁶/kg (max 2 × 10⁸), cilta-cel 0.5–1.0 × 10⁶/kg (max 1 × 10⁸). Keyed by catalogue code.
WEIGHT_DOSED_PRODUCTS = frozenset({"axi-cel", "brexu-cel", "cilta-cel"})


def dose_per_kg_10e6(*, total_cells_10e6, weight_kg) -> Decimal:
    """Cells per kilogram (×10⁶/kg), to three decimals."""
    cells = _decimal("total_cells_10e6", total_cells_10e6)
    weight = _decimal("weight_kg", weight_kg)
    if cells is None or weight is None or weight <= 0:
        raise ValueError("dose per kg needs the cell count and a positive weight")
    return (cells / weight).quantize(Decimal("0.001"))
