from django.urls import path

from . import views

app_name = "apheresis"
urlpatterns = [
    path("", views.board, name="board"),
    path("courses/<int:pk>/", views.course_page, name="course"),
    path("courses/<int:pk>/schedule/", views.schedule_new, name="schedule_new"),
    path("courses/<int:pk>/label/", views.label, name="label"),
    path("courses/<int:pk>/verify/", views.verify, name="verify"),
    path("courses/<int:pk>/bedside-check/", views.bedside_check, name="bedside_check"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/cancel/", views.schedule_cancel, name="schedule_cancel"),
    path("schedules/<int:pk>/override/", views.check_override, name="check_override"),
    path("schedules/<int:pk>/collect/", views.collection_new, name="collection_new"),
    path("collections/<int:pk>/custody/", views.custody_new, name="custody_new"),
    path(
        "collections/<int:pk>/manufacturing/", views.manufacturing_edit, name="manufacturing_edit"
    ),
    path("collections/<int:pk>/oos/", views.oos_new, name="oos_new"),
    path("collections/<int:pk>/receipt/", views.receipt_new, name="receipt_new"),
    path("collections/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("custody/<int:pk>/correct/", views.custody_correct, name="custody_correct"),
]
