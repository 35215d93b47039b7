from django.urls import path

from . import views

app_name = "eligibility"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("courses/<int:pk>/", views.course_screening, name="course"),
    path("courses/<int:pk>/start/", views.screening_start, name="screening_start"),
    path("courses/<int:pk>/screening/", views.screening_edit, name="screening_edit"),
    path("courses/<int:pk>/decision/", views.decision_create, name="decision"),
    path("courses/<int:pk>/consent/", views.consent_create, name="consent"),
    path("consents/<int:pk>/document/", views.consent_document, name="consent_document"),
]
