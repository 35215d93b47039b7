"""The start page after login: what each role has to do next.

It sits in its own app at the top of the layers (README, Architecture) because it reads every
stage's queues, which core, at the bottom, may not import."""

from django.shortcuts import render
from django.utils import timezone

from core.permissions import can_read_patients, can_see_programme_counts, reads_whole_programme
from patients.models import TreatmentCourse
from patients.selectors import courses_visible_to, stage_counts

from .worklists import worklists_for


def home(request):
    """Dashboard: counts per stage, and the links this user's roles need."""
    user = request.user
    counts, scope, worklists = None, None, {}
    if can_read_patients(user):
        counts = stage_counts(courses_visible_to(user))
        scope = "programme" if reads_whole_programme(user) else "wards"
        # What waits for this user, each row a link to its next step (issue 17).
        worklists = worklists_for(user, on=timezone.localdate())
    elif can_see_programme_counts(user):
        # Administrators see aggregate numbers only, never a patient's identity.
        counts = stage_counts(TreatmentCourse.objects.all())
        scope = "programme"
    return render(request, "home/home.html", {"counts": counts, "scope": scope, **worklists})
