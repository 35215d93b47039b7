"""Reads for exports that are not a dataset's rows."""

from __future__ import annotations

from django.http import Http404

from patients.models import TreatmentCourse

from ..access import can_export_identifiable


def course_for_export(user, pk) -> TreatmentCourse:
    """A course for an identifiable export (FHIR): auditors and clinicians reach every course;
    anyone else, administrators included, gets 404."""
    if not can_export_identifiable(user):
        raise Http404
    try:
        return TreatmentCourse.objects.select_related("patient", "product").get(pk=pk)
    except (TreatmentCourse.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
