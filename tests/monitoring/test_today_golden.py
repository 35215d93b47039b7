"""The Today list's HTML is byte-identical to the golden copy (issue 20 item 2).

A fixed ward built by the scale generator (a fixed seed) under a frozen clock, with an
escalation, a task taken by a nurse, a tocilizumab dose, a neurological assessment and a
discharge added through the services, so that every badge of a row shows at least once."""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from bench.generator import generate
from core.models import User
from monitoring import services as monitoring_services
from monitoring.models import MonitoringTask
from patients.models import Stage, TreatmentCourse
from tests.factories import PatientFactory
from tests.monitoring.conftest import (
    CALM,
    FEVER_HYPOTENSION,
    ICE_PERFECT,
    course_in_monitoring,
    discharge_today,
)

NOW = "2026-06-15 09:00 +08:00"
GOLDEN = Path(__file__).parent / "golden"
# GOLDEN_UPDATE=1 rewrites the golden files (only when a change of the page is intended).
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def frozen_ward(db):
    """The bench ward of a 40-course scenario, with one course of each kind of row."""
    with time_machine.travel(NOW, tick=False):
        scenario = generate(courses=40, label="golden")
        nurse = User.objects.get(username=scenario.nurse)
        clinician = User.objects.get(username=scenario.clinician)
        courses = list(
            TreatmentCourse.objects.filter(
                stage=Stage.MONITORING, patient__ward__code=scenario.ward_code
            ).order_by("pk")
        )
        now = timezone.now()
        fever, calm_neuro, treated, taken, discharged = courses[:5]
        monitoring_services.assessment_record(
            by=nurse, course=fever, assessed_at=now - timedelta(minutes=20), **FEVER_HYPOTENSION
        )
        monitoring_services.assessment_record(
            by=nurse,
            course=calm_neuro,
            assessed_at=now - timedelta(minutes=30),
            **CALM,
            **ICE_PERFECT,
        )
        monitoring_services.intervention_record(
            by=clinician,
            course=treated,
            kind="tocilizumab",
            given_at=now - timedelta(hours=2),
            drug="tocilizumab",
            dose_mg=monitoring_services.tocilizumab_recommended_dose(treated).dose_mg,
            route="iv",
        )
        task = MonitoringTask.objects.filter(
            course=taken, done_at__isnull=True, missed_at__isnull=True
        ).first()
        if task is not None:
            monitoring_services.task_take(by=nurse, task=task)
        discharge_today(discharged, clinician)
        # Past the label window: one may end (grades 0), one must continue (an escalation
        # open, CRS down from 2 to 0).
        ward = nurse.wards.get(code=scenario.ward_code)
        for mrn, family, visits in (
            ("GOLDEN-901", "Zhou", [(90, CALM | ICE_PERFECT)]),
            ("GOLDEN-902", "Qian", [(180, FEVER_HYPOTENSION), (60, CALM)]),
        ):
            patient = PatientFactory(
                mrn=mrn,
                family_name=family,
                given_name="Min",
                ward=ward,
                attending_clinician=clinician,
            )
            course = course_in_monitoring(patient, clinician, day0=date(2026, 5, 10))
            for minutes_ago, values in visits:
                monitoring_services.assessment_record(
                    by=nurse,
                    course=course,
                    assessed_at=now - timedelta(minutes=minutes_ago),
                    **values,
                )
        yield scenario


def _today(client, scenario, *, refresh: bool, path: str = "/monitoring/today/") -> str:
    client.force_login(User.objects.get(username=scenario.nurse))
    headers = {"HX-Request": "true", "X-Background-Poll": "1"} if refresh else {}
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"{path}?ward={scenario.ward_code}", headers=headers)
    assert response.status_code == 200
    return CSRF.sub('name="csrfmiddlewaretoken" value="…"', response.content.decode())


def _same_as_golden(name: str, html: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(html, encoding="utf-8")
    assert html == path.read_text(encoding="utf-8")


def test_the_full_page_is_the_golden_one(frozen_ward, client):
    html = _today(client, frozen_ward, refresh=False)
    for badge in ("outpatient", "may-end", "past-window", "task-overdue", "task-due"):
        assert f'data-testid="{badge}"' in html, badge
    assert "↑" in html and "↓" in html and "alert-danger" in html and " · " in html
    _same_as_golden("today_page.html", html)


def test_the_refreshed_rows_are_the_golden_ones(frozen_ward, client):
    _same_as_golden("today_rows.html", _today(client, frozen_ward, refresh=True))


@pytest.mark.parametrize("refresh", [False, True], ids=["page", "rows"])
def test_the_old_path_kept_for_the_bench_writes_the_same_bytes(
    frozen_ward, client, settings, refresh
):
    """bench/legacy_today.py is the list before issue 20; the bench times it beside the new."""
    settings.ROOT_URLCONF = "bench.urls"
    new = _today(client, frozen_ward, refresh=refresh)
    old = _today(client, frozen_ward, refresh=refresh, path="/bench/legacy-today/")
    # The page prints its own address (the language form, the refresh's hx-get).
    assert new == old.replace("/bench/legacy-today/", "/monitoring/today/")
