"""The project's URLs plus the floor: a login-protected view that returns a fixed string
through the same middleware. Used only by the benchmark (override_settings(ROOT_URLCONF))."""

from django.http import HttpResponse
from django.urls import path

from bench.legacy_today import legacy_today
from cart_workflow import urls as project


def floor(request):
    return HttpResponse("floor", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    # The Today list before issue 20 item 2 (bench/legacy_today.py), timed beside the new one.
    path("bench/legacy-today/", legacy_today, name="bench_legacy_today"),
    *project.urlpatterns,
]

handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
