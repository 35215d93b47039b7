"""For other apps' fixtures that walk a course to "infusion" with course_change_stage:
record a passed gate review for the infusion day first (what the clinician's review would
leave), so the gate guard (settings.INFUSION_GATE_ENFORCED) lets the move through."""

from datetime import date

from django.utils import timezone

from infusion.models import GateReview


def record_passed_gate(course, *, on: date, by) -> GateReview:
    return GateReview.objects.create(
        course=course,
        review_date=on,
        passed=True,
        items=[],
        reviewed_by=by,
        reviewed_at=timezone.now(),
    )
