"""REST endpoints for the catalogue's label data, screening, MDT decisions and consent.

Same rules as the pages: patient readers read (nurses only their wards' courses), clinicians
write, through the services. A course the user may not see does not exist for them.

One module per resource: catalogue, evaluation (read-only), screening, decisions, consent.
Every public name is re-exported here, so `from eligibility.api import X` keeps working.
"""

from .catalogue import (
    CatalogueProductSerializer,
    CatalogueViewSet,
    ProductIndicationSerializer,
    ProductLabelSerializer,
    ThresholdSerializer,
    ThresholdViewSet,
)
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
    "ProductLabelSerializer",
    "ProductIndicationSerializer",
    "CatalogueProductSerializer",
    "ThresholdSerializer",
    "CatalogueViewSet",
    "ThresholdViewSet",
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
