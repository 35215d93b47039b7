"""Reads behind the management advice (advice.py; catalogue rows monitoring.ManagementAdvice).

Re-exported by monitoring.selectors. One course's advice and many courses' advice are the same
reads done for a set of courses at once: the open escalations page shows advice beside every
escalated patient, so its queries must not grow with their number (issue 20)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue import dosing
from core import system_text
from core.clock import local_when
from patients.models import TreatmentCourse

from . import advice
from .catalogue import ManagementAdvice
from .models import Assessment, Intervention, InterventionKind
from .wording import advice_because_text


@dataclass(frozen=True)
class AdviceLine:
    key: str
    text: str
    because: str
    source: str
    verified: bool
    detail: str = ""


def advice_for(
    course: TreatmentCourse,
    *,
    now: datetime | None = None,
    crs_grade: int | None = None,
    icans_grade: int | None = None,
) -> list[AdviceLine]:
    """The advice beside the course's current grades (or the grades being previewed):
    advice only, the clinician decides; each line with its source (issue 16 item 4)."""
    now = now or timezone.now()
    inputs = _advice_inputs([course.pk], now=now)
    history = inputs.history.get(course.pk, [])
    if icans_grade is None:
        icans_grade = inputs.latest_icans.get(course.pk)
    return _advice_lines(
        course,
        rows=inputs.rows,
        history=history,
        crs_grade=crs_grade,
        icans_grade=icans_grade,
        doses=inputs.doses.get(course.pk, []),
        now=now,
    )


def advice_for_courses(
    courses: Iterable[TreatmentCourse], *, now: datetime | None = None
) -> dict[int, list[AdviceLine]]:
    """The advice beside each course's current grades, by course id: four queries however
    many courses (their patient and product must be loaded with them)."""
    now = now or timezone.now()
    by_id = {course.pk: course for course in courses}
    if not by_id:
        return {}
    inputs = _advice_inputs(list(by_id), now=now)
    return {
        course_id: _advice_lines(
            course,
            rows=inputs.rows,
            history=inputs.history.get(course_id, []),
            crs_grade=None,
            icans_grade=inputs.latest_icans.get(course_id),
            doses=inputs.doses.get(course_id, []),
            now=now,
        )
        for course_id, course in by_id.items()
    }


@dataclass(frozen=True)
class _AdviceInputs:
    rows: dict[str, ManagementAdvice]
    # (assessed_at, CRS grade) of every assessment, by course id.
    history: dict[int, list[tuple[datetime, int]]]
    # The ICANS grade of the latest assessment that examined the patient's neurology.
    latest_icans: dict[int, int | None]
    # Tocilizumab doses given up to now.
    doses: dict[int, list[datetime]]


def _advice_inputs(course_ids: list[int], *, now: datetime) -> _AdviceInputs:
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for course_id, assessed_at, crs in Assessment.objects.filter(
        course_id__in=course_ids
    ).values_list("course_id", "assessed_at", "crs_grade"):
        history[course_id].append((assessed_at, crs))
    latest_neuro = Assessment.objects.filter(course=OuterRef("pk"), neuro_assessed=True).order_by(
        "-assessed_at", "-id"
    )
    latest_icans = dict(
        TreatmentCourse.objects.filter(pk__in=course_ids)
        .annotate(icans=Subquery(latest_neuro.values("icans_grade")[:1]))
        .values_list("pk", "icans")
    )
    doses: dict[int, list[datetime]] = defaultdict(list)
    for course_id, given_at in Intervention.objects.filter(
        course_id__in=course_ids, kind=InterventionKind.TOCILIZUMAB, given_at__lte=now
    ).values_list("course_id", "given_at"):
        doses[course_id].append(given_at)
    rows = {row.key: row for row in ManagementAdvice.objects.filter(active=True)}
    return _AdviceInputs(rows=rows, history=history, latest_icans=latest_icans, doses=doses)


def _advice_lines(
    course: TreatmentCourse,
    *,
    rows: dict[str, ManagementAdvice],
    history: list[tuple[datetime, int]],
    crs_grade: int | None,
    icans_grade: int | None,
    doses: list[datetime],
    now: datetime,
) -> list[AdviceLine]:
    if crs_grade is None and history:
        crs_grade = max(history)[1]  # the latest assessment's
    allowed = dosing.tocilizumab_dose_allowed(given_at=doses, at=now)
    levetiracetam = rows.get(advice.LEVETIRACETAM)
    suggestions = advice.advise(
        crs_grade=crs_grade,
        icans_grade=icans_grade,
        crs_history=history,
        tocilizumab_given_at=doses,
        tocilizumab_allowed=allowed.allowed,
        now=now,
        levetiracetam_for_product=bool(
            levetiracetam and course.product.short_name in (levetiracetam.products or [])
        ),
    )
    lines = []
    for suggestion in suggestions:
        row = rows.get(suggestion.key)
        if row is None:
            continue  # switched off by an administrator
        detail = ""
        if suggestion.key == advice.TOCILIZUMAB:
            dose = dosing.tocilizumab_dose(weight_kg=float(course.patient.weight_kg))
            detail = _("For %(kg)s kg: %(mg)s mg (%(calc)s).") % {
                "kg": course.patient.weight_kg,
                "mg": f"{dose.dose_mg:g}",
                "calc": system_text.say(dose.steps),
            }
        elif suggestion.key == advice.TOCILIZUMAB_LIMIT:
            detail = system_text.say(allowed.reasons, separator=" ")
            if allowed.next_allowed_at:
                detail += " " + _("Next dose allowed from %(when)s.") % {
                    "when": local_when(allowed.next_allowed_at)
                }
        lines.append(
            AdviceLine(
                key=suggestion.key,
                text=row.text(),
                because=advice_because_text(suggestion.because, suggestion.params),
                source=row.source,
                verified=row.verified,
                detail=detail,
            )
        )
    return lines
