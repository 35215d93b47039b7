from django.urls import path

from . import views

app_name = "followup"
urlpatterns = [
    path("", views.worklists, name="worklists"),
    path("courses/<int:pk>/", views.course_calendar, name="course"),
    path("courses/<int:pk>/discharge/", views.discharge_edit, name="discharge"),
    path("courses/<int:pk>/wallet-card/", views.wallet_card, name="wallet_card"),
    path("courses/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("courses/<int:pk>/schedule/realign/", views.schedule_realign, name="schedule_realign"),
    path("courses/<int:pk>/close-deceased/", views.close_as_deceased, name="close_deceased"),
    path("courses/<int:pk>/end/", views.end_follow_up, name="end_follow_up"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path(
        "late-events/<int:pk>/manufacturer-report/",
        views.manufacturer_report,
        name="manufacturer_report",
    ),
]
