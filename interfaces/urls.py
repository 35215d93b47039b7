from django.urls import path

from . import views

app_name = "interfaces"
urlpatterns = [
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/replay/", views.message_replay, name="replay"),
    path("reconciliations/", views.reconciliation_list, name="reconciliations"),
    path(
        "reconciliations/<int:pk>/resolve/",
        views.reconciliation_resolve,
        name="reconciliation_resolve",
    ),
]
