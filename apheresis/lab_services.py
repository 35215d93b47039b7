"""Pre-collection counts received from the laboratory system (issue 18): the interface
account fills the planned collection's ALC and CD3+ counts and the date they were drawn,
never over a newer value."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import lab_sources, units
from core.models import User
from core.permissions import is_his_interface
from patients.models import TreatmentCourse

from .models import CollectionSchedule, ScheduleStatus

# Test (interfaces.mapping.LAB_TESTS) → (schedule field, core/units quantity, places).
COUNT_LABS = {
    "alc": ("alc_10e9_l", "lymphocytes", 2),
    "cd3": ("cd3_cells_per_ul", "cd3", 0),
}
COUNT_FIELD_NAMES = frozenset(field for field, _q, _p in COUNT_LABS.values())


@transaction.atomic
def schedule_counts_receive(
    *,
    by: User,
    course: TreatmentCourse,
    results: list[tuple[str, object, str, datetime]],
    message: str,
) -> list[str]:
    """Fill the planned collection's counts from ``results`` [(test, value, UCUM unit,
    observed at)]; counts_drawn_on follows the newest count taken. Returns the fields
    changed; [] when nothing is planned or every count held is newer."""
    if not is_his_interface(by):
        raise PermissionDenied(_("Only the hospital interface records lab-system results."))
    schedule = (
        CollectionSchedule.objects.select_for_update()
        .filter(course=course, status=ScheduleStatus.PLANNED)
        .first()
    )
    if schedule is None:
        return []
    sources = dict(schedule.lab_sources or {})
    changed = []
    for test, value, unit, observed_at in sorted(results, key=lambda r: r[3]):
        if test not in COUNT_LABS:
            continue
        field, quantity, places = COUNT_LABS[test]
        if not lab_sources.is_newer(sources, field, observed_at):
            continue
        try:
            number = units.from_ucum(quantity, value, unit, places=places)
        except ValueError as error:
            raise ValidationError({field: str(error)}) from None
        setattr(schedule, field, int(number) if places == 0 else number)
        sources = lab_sources.from_lab(sources, field, observed_at=observed_at, message=message)
        drawn = timezone.localtime(observed_at).date()
        if schedule.counts_drawn_on is None or drawn > schedule.counts_drawn_on:
            schedule.counts_drawn_on = drawn
        if field not in changed:
            changed.append(field)
    if not changed:
        return []
    schedule.lab_sources = sources
    schedule.full_clean()
    schedule.version += 1
    schedule._history_user = by
    schedule.save()
    return changed
