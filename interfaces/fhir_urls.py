from django.urls import path

from .fhir_api import resource_views

urlpatterns = []
for _resource in ("Patient", "Encounter", "Observation"):
    _create, _update = resource_views(_resource)
    urlpatterns += [
        path(f"{_resource}", _create, name=f"fhir-{_resource.lower()}"),
        path(f"{_resource}/<str:logical_id>", _update, name=f"fhir-{_resource.lower()}-id"),
    ]
