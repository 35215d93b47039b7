from rest_framework.routers import SimpleRouter

from .api import (
    BagVerificationViewSet,
    ChainOfIdentityViewSet,
    CollectionViewSet,
    CustodyEventViewSet,
    ScheduleViewSet,
)
from .api.bedside import BedsideVerificationViewSet

router = SimpleRouter()
router.register("apheresis/schedules", ScheduleViewSet, basename="apheresis-schedule")
router.register("apheresis/collections", CollectionViewSet, basename="apheresis-collection")
router.register("custody-events", CustodyEventViewSet, basename="custody-event")
router.register("bag-verifications", BagVerificationViewSet, basename="bag-verification")
router.register(
    "bedside-verifications", BedsideVerificationViewSet, basename="bedside-verification"
)
router.register("chains-of-identity", ChainOfIdentityViewSet, basename="chain-of-identity")
urlpatterns = router.urls
