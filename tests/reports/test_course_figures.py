"""The dashboard from per-course figures kept up to date on write (issue 20, item 5) is the
dashboard read from every course's whole history, after every kind of write; and both are the
checked-in figures of the programme (tests/reports/golden/dashboard_figures.json)."""

import json
import os
from datetime import date
from pathlib import Path

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F

from eligibility import services as eligibility_services
from followup import outcomes
from followup import services as followup_services
from monitoring.models import Assessment, Intervention
from reports import services
from reports.models import CourseFigures
from reports.selectors import Scope, dashboard_data, dashboard_data_full

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 30)
GOLDEN = Path(__file__).parent / "golden" / "dashboard_figures.json"
SCOPES = [
    Scope(),
    Scope(diagnosis="LBCL"),
    Scope(diagnosis="MM"),
    Scope(infused_from=date(2026, 3, 15)),
    Scope(infused_to=date(2026, 3, 15)),
]


def _same_as_full() -> None:
    for scope in SCOPES:
        assert dashboard_data(today=TODAY, scope=scope) == dashboard_data_full(
            today=TODAY, scope=scope
        ), scope


def _correct(row, **values):
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(values))


def _regrade(course, **grades):
    _correct(Assessment.objects.filter(course=course).order_by("pk").last(), **grades)


def test_figures_follow_every_write(programme, dr_ben, nurse_ada):
    a, c = programme["a"], programme["c"]
    assert services.course_figures_refresh() == 3  # every course, the first time
    assert services.course_figures_refresh() == 0  # nothing changed since
    _same_as_full()

    writes = [
        # A CRS grade corrected on course A (course A is in follow-up now: no new assessment
        # is taken; the row changes behind the service, as a data correction would).
        lambda: _regrade(a, crs_grade=3),
        # The corticosteroid dose of course A recorded again as an ICU transfer.
        lambda: _correct(
            Intervention.objects.get(course=a, kind="corticosteroid"), kind="icu_transfer"
        ),
        # Progression on course A: best response, PFS event.
        lambda: followup_services.visit_record(
            by=nurse_ada,
            course=a,
            visit_date=date(2026, 9, 20),
            lugano_response="PD",
            imaging_method="pet_ct",
        ),
        # Course C moves on (through the service that owns screening's record): its first
        # screening date enters the intervals.
        lambda: eligibility_services.screening_start(by=dr_ben, course=c),
    ]
    for write in writes:
        write()
        assert services.course_figures_refresh() == 1  # only the course written to
        _same_as_full()
    figures = CourseFigures.objects.get(course=a)
    assert (figures.best_response, figures.pfs_event, figures.icu_transfers) == ("CR", True, 1)


def test_a_recompute_refreshes_changed_courses_only(programme, nurse_ada):
    services.dashboard_recompute(scope=Scope())
    seen = dict(CourseFigures.objects.values_list("course_id", "changes_seen"))
    followup_services.visit_record(
        by=nurse_ada,
        course=programme["a"],
        visit_date=date(2026, 9, 20),
        lugano_response="CR",
        imaging_method="pet_ct",
    )
    services.dashboard_recompute(scope=Scope())
    later = dict(CourseFigures.objects.values_list("course_id", "changes_seen"))
    assert [pk for pk in later if later[pk] != seen[pk]] == [programme["a"].pk]
    assert not CourseFigures.objects.filter(changes__gt=F("changes_seen")).exists()


def test_a_change_of_pfs_convention_recomputes_every_course(programme, settings):
    services.course_figures_refresh()
    settings.PFS_CENSORING = outcomes.PFS_EMA
    assert services.course_figures_refresh() == 3
    _same_as_full()


def test_the_programmes_figures_are_the_golden_ones(programme):
    services.course_figures_refresh()
    data = json.loads(json.dumps(dashboard_data(today=TODAY), cls=DjangoJSONEncoder))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert data == json.loads(GOLDEN.read_text())
    assert data["crs"][-1]["counts"] == [0, 1, 1, 0, 0]
