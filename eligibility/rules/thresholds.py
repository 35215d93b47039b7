"""The thresholds the eligibility rules read: the catalogue's one table (catalogue/thresholds.py),
re-exported so the rule modules keep one import."""

from catalogue.thresholds import (
    DEFAULT_THRESHOLDS,
    THRESHOLD_KEYS,
    Threshold,
    merge_thresholds,
)
from catalogue.thresholds import complete as _complete

__all__ = ["DEFAULT_THRESHOLDS", "THRESHOLD_KEYS", "Threshold", "merge_thresholds", "_complete"]
