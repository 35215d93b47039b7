"""REST endpoints for screening, MDT decisions and consent (the catalogue's: catalogue/api.py).

Same rules as the pages: patient readers read (nurses only their wards' courses), clinicians
write, through the services. A course the user may not see does not exist for them.

One module per resource: evaluation (read-only), screening, decisions, consent.
Every public name is re-exported here, so `from eligibility.api import X` keeps working.
"""

from .consent import ConsentFilter, ConsentSerializer, ConsentViewSet
from .decisions import DecisionFilter, DecisionSerializer, DecisionViewSet
from .evaluation import (
    CriterionSerializer,
    EvaluationSerializer,
    HematotoxComponentSerializer,
    HematotoxSerializer,
    RiskSignalSerializer,
    WashoutCheckSerializer,
    evaluation_data,
)
from .screening import (
    PriorLineSerializer,
    ScreeningFilter,
    ScreeningRowSerializer,
    ScreeningSerializer,
    ScreeningViewSet,
    WashoutTherapySerializer,
)

__all__ = [
    "CriterionSerializer",
    "RiskSignalSerializer",
    "HematotoxComponentSerializer",
    "HematotoxSerializer",
    "WashoutCheckSerializer",
    "EvaluationSerializer",
    "evaluation_data",
    "ScreeningRowSerializer",
    "PriorLineSerializer",
    "WashoutTherapySerializer",
    "ScreeningSerializer",
    "ScreeningFilter",
    "ScreeningViewSet",
    "DecisionSerializer",
    "DecisionFilter",
    "DecisionViewSet",
    "ConsentSerializer",
    "ConsentFilter",
    "ConsentViewSet",
]
