"""Reads of the catalogue: one selector per fact. Every stage reads the catalogue through here.

Products, label data (discharge restrictions, monitoring window), indications (and the
regimens they name) and the threshold table. Administrators edit the rows in the admin; the
pure defaults with their sources are in catalogue/thresholds.py and catalogue/regimens.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import CarTProduct, ProductIndication, ProductLabel, Threshold
from .thresholds import DEFAULT_THRESHOLDS
from .thresholds import Threshold as ThresholdValue

# --- Products -------------------------------------------------------------------------------


def products() -> QuerySet[CarTProduct]:
    """Every product of the catalogue, active or not (registries, filters, history)."""
    return CarTProduct.objects.order_by("short_name")


def active_products() -> QuerySet[CarTProduct]:
    """The products a new course may be opened for."""
    return CarTProduct.objects.filter(active=True).order_by("short_name")


def products_indicated_for(diagnosis: str) -> QuerySet[CarTProduct]:
    """The products with an approved, active indication for the diagnosis (clinical reference
    §4): what a new course's product choice offers, and the API's ?diagnosis= filter."""
    return (
        CarTProduct.objects.filter(
            active=True, indications__diagnosis=diagnosis, indications__active=True
        )
        .distinct()
        .order_by("short_name")
    )


def products_with_label_data() -> QuerySet[CarTProduct]:
    """Active products with their label row and indications, for the catalogue pages and API."""
    return active_products().select_related("label").prefetch_related("indications")


# --- Thresholds -----------------------------------------------------------------------------


def thresholds() -> Mapping[str, ThresholdValue]:
    """The one threshold table: the defaults with the values administrators keep in the
    database. Screening and the pre-collection check both read it (washout included)."""
    merged = dict(DEFAULT_THRESHOLDS)
    for row in Threshold.objects.all():
        base = merged.get(row.key)
        if base is None:
            continue
        merged[row.key] = ThresholdValue(
            row.key, row.value, base.unit, base.description, row.source, row.verified
        )
    return merged


def threshold_rows() -> QuerySet[Threshold]:
    return Threshold.objects.order_by("key")


# --- Label data -----------------------------------------------------------------------------

# Without a label row the older, longer terms apply until one is entered (4 weeks near the
# centre, 8 weeks without driving; clinical reference §3) — institutional default, review.
NO_LABEL_STAY_NEAR_CENTRE_WEEKS = 4
NO_LABEL_NO_DRIVING_WEEKS = 8


@dataclass(frozen=True)
class DischargeRestrictions:
    """How long after infusion the patient stays near the centre and does not drive."""

    stay_near_centre_weeks: int
    no_driving_weeks: int
    source: str
    verified: bool

    @property
    def stay_near_centre_days(self) -> int:
        return self.stay_near_centre_weeks * 7

    @property
    def no_driving_days(self) -> int:
        return self.no_driving_weeks * 7


def discharge_restrictions(product: CarTProduct) -> DischargeRestrictions:
    """The product's own label terms: the one source the consent page, the discharge record
    and the wallet card read. The June 2025 US change (2 weeks near the centre, 2 weeks no
    driving) covers only the six US products (Abecma, Breyanzi, Carvykti, Kymriah, Tecartus,
    Yescarta); other products keep their own label's terms (ProductLabel rows, with source)."""
    label = ProductLabel.objects.filter(product=product).first()
    if label is None:
        return DischargeRestrictions(
            NO_LABEL_STAY_NEAR_CENTRE_WEEKS,
            NO_LABEL_NO_DRIVING_WEEKS,
            "No label data for this product: the older 4 / 8 weeks apply — review",
            False,
        )
    return DischargeRestrictions(
        label.proximity_restriction_weeks,
        label.driving_restriction_weeks,
        label.source,
        label.verified,
    )


def monitoring_windows() -> dict[int, int]:
    """Label monitoring window (days) by product id; products without label data are absent
    (the caller applies the default)."""
    return dict(ProductLabel.objects.values_list("product_id", "monitoring_window_days"))


# --- Indications ----------------------------------------------------------------------------


def active_indications(product: CarTProduct) -> list[ProductIndication]:
    """The product's active indications in catalogue order. Filtered in Python so a product
    whose indications were prefetched costs no query."""
    return sorted(
        (i for i in product.indications.all() if i.active),
        key=lambda i: (i.diagnosis, i.position, i.pk),
    )


def active_indications_prefetch() -> QuerySet[ProductIndication]:
    """For Prefetch("…product__indications", queryset=…): the active rows only."""
    return ProductIndication.objects.filter(active=True)


def regimen_keys(product: CarTProduct, diagnosis: str) -> list[str]:
    """The lymphodepletion regimens the catalogue names for a product and diagnosis."""
    keys = (
        ProductIndication.objects.filter(product=product, diagnosis=diagnosis, active=True)
        .exclude(lymphodepletion_regimen_key="")
        .order_by("position", "id")
        .values_list("lymphodepletion_regimen_key", flat=True)
    )
    return list(dict.fromkeys(keys))
