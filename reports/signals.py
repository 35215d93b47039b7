"""A write to a course's records marks its dashboard figures changed (issue 20, item 5): the
next recompute refreshes that course only (services.dashboard.course_figures_refresh).

Connected in ReportsConfig.ready() to every model whose rows the figures read. Writes that
bypass signals (queryset.update(), bulk_create, raw SQL, the bench generator's COPY) are
not seen: the nightly full refresh (services.dashboard.course_figures_refresh(full=True))
and a change of PFS_CENSORING recompute every course."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save


def _course_of(instance) -> int | None:
    for attribute in ("course_id",):
        if hasattr(instance, attribute):
            return getattr(instance, attribute)
    visit = getattr(instance, "visit", None)  # a subsequent therapy, through its visit
    return getattr(visit, "course_id", None)


def _changed(sender, instance, **kwargs) -> None:
    from .services.dashboard import course_figures_mark_changed

    course_id = instance.pk if sender._meta.label == "patients.TreatmentCourse" else None
    course_id = course_id or _course_of(instance)
    if course_id is not None:
        course_figures_mark_changed(course_ids=[course_id])


def connect() -> None:
    from followup.models import FollowUpVisit, SubsequentTherapy
    from monitoring.models import Assessment, Intervention
    from patients.models import StageEvent, TreatmentCourse

    for model in (
        Assessment,
        Intervention,
        FollowUpVisit,
        SubsequentTherapy,
        StageEvent,
        TreatmentCourse,
    ):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=model, dispatch_uid=f"course-figures-{model.__name__}")
