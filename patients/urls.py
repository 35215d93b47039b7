from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/edit/", views.patient_edit, name="edit"),
    path("<int:pk>/transfer/", views.patient_transfer, name="transfer"),
    path("<int:pk>/courses/new/", views.course_open, name="course_open"),
    path("courses/<int:pk>/stage/", views.course_change_stage, name="course_change_stage"),
]
