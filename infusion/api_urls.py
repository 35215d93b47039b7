from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("bridging-therapies", api.BridgingViewSet, basename="bridging-therapy")
router.register("lymphodepletion-plans", api.PlanViewSet, basename="lymphodepletion-plan")
router.register("planned-doses", api.PlannedDoseViewSet, basename="planned-dose")
router.register("day0-changes", api.Day0ChangeViewSet, basename="day0-change")
router.register("day0-corrections", api.Day0CorrectionViewSet, basename="day0-correction")
router.register("tocilizumab-stock", api.StockViewSet, basename="tocilizumab-stock")
router.register("pre-infusion-checks", api.PreInfusionCheckViewSet, basename="pre-infusion-check")
router.register("gate-overrides", api.GateOverrideViewSet, basename="gate-override")
router.register("infusion-gates", api.GateViewSet, basename="infusion-gate")
router.register("infusions", api.InfusionViewSet, basename="infusion")
urlpatterns = router.urls
