from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.include_format_suffixes = False
router.register("follow-up/discharges", api.DischargeViewSet, basename="followup-discharge")
router.register("follow-up/visits", api.VisitViewSet, basename="followup-visit")
router.register("follow-up/schedule", api.ScheduleViewSet, basename="followup-schedule")
router.register("follow-up/courses", api.FollowUpCourseViewSet, basename="followup-course")
router.register(
    "follow-up/manufacturer-reports",
    api.ManufacturerReportViewSet,
    basename="followup-manufacturer-report",
)
urlpatterns = router.urls
