from rest_framework.routers import SimpleRouter

from catalogue.api import CatalogueViewSet, ThresholdViewSet

from .api import ConsentViewSet, DecisionViewSet, ScreeningViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("eligibility/products", CatalogueViewSet, basename="eligibility-product")
router.register("eligibility/thresholds", ThresholdViewSet, basename="eligibility-threshold")
router.register("eligibility/screenings", ScreeningViewSet, basename="eligibility-screening")
router.register("eligibility/decisions", DecisionViewSet, basename="eligibility-decision")
router.register("eligibility/consents", ConsentViewSet, basename="eligibility-consent")
urlpatterns = router.urls
