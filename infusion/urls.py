from django.urls import path

from . import views

app_name = "infusion"
urlpatterns = [
    path("pharmacy/", views.pharmacy, name="pharmacy"),
    path("today/", views.today, name="today"),
    path("gates/", views.gates, name="gates"),
    path("courses/<int:pk>/", views.course_page, name="course"),
    path("courses/<int:pk>/day0/", views.day0, name="day0"),
    path("courses/<int:pk>/day0/correct/", views.day0_correct, name="day0_correct"),
    path("courses/<int:pk>/bridging/new/", views.bridging_new, name="bridging_new"),
    path("bridging/<int:pk>/", views.bridging_edit, name="bridging_edit"),
    path("courses/<int:pk>/plan/", views.plan_page, name="plan"),
    path("courses/<int:pk>/plan/new/", views.plan_new, name="plan_new"),
    path("courses/<int:pk>/plan/verify/", views.plan_verify, name="plan_verify"),
    path("courses/<int:pk>/plan/recalculate/", views.plan_recalculate, name="plan_recalculate"),
    path("courses/<int:pk>/plan/start/", views.lymphodepletion_start, name="lymphodepletion_start"),
    path("doses/<int:pk>/decide/", views.dose_decide, name="dose_decide"),
    path("doses/<int:pk>/administer/", views.administer, name="administer"),
    path("courses/<int:pk>/gate/", views.gate, name="gate"),
    path("courses/<int:pk>/gate/review/", views.gate_review, name="gate_review"),
    path("courses/<int:pk>/gate/override/", views.gate_override, name="gate_override"),
    path("courses/<int:pk>/gate/stock/", views.stock_confirm, name="stock_confirm"),
    path("courses/<int:pk>/gate/check/", views.check_new, name="check_new"),
    path("courses/<int:pk>/infuse/", views.infuse, name="infuse"),
]
