"""Washout before apheresis: the catalogue's one rule (catalogue/washout.py), re-exported for
the screening's earliest apheresis date."""

from catalogue.washout import (
    WASHOUT_ALEMTUZUMAB,
    WASHOUT_ANTI_CD38,
    WASHOUT_CHEMOTHERAPY,
    WASHOUT_CLASSES,
    WASHOUT_OTHER,
    WASHOUT_SYSTEMIC_STEROID,
    WashoutCheck,
    WashoutTherapy,
    earliest_apheresis_date,
    washout_checks,
)

__all__ = [
    "WASHOUT_ALEMTUZUMAB",
    "WASHOUT_ANTI_CD38",
    "WASHOUT_CHEMOTHERAPY",
    "WASHOUT_CLASSES",
    "WASHOUT_OTHER",
    "WASHOUT_SYSTEMIC_STEROID",
    "WashoutCheck",
    "WashoutTherapy",
    "earliest_apheresis_date",
    "washout_checks",
]
