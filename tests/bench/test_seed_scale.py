"""The generator's rows are valid, and the command never runs twice or resets a real database."""

import pytest

from bench.generator import generate, stage_plan
from bench.seed_scale import SeedError, seed
from eligibility.models import ScreeningAssessment
from followup.models import FollowUpVisit, ScheduledVisit
from monitoring.models import Assessment, Escalation, Intervention, MonitoringTask
from patients import rules
from patients.models import Patient, Stage, StageEvent, TreatmentCourse


def test_stage_plan_keeps_thirty_patients_in_monitoring_on_the_bench_ward():
    import random

    for n, on_ward in ((5, 1), (40, 12), (100, 30), (10_000, 30)):
        plan = stage_plan(n, random.Random(1))
        assert len(plan) == n
        assert plan.count("bench_monitoring") == on_ward


def test_it_generates_valid_rows(db):
    scenario = generate(courses=40, label="valid")
    assert TreatmentCourse.objects.count() == scenario.counts["TreatmentCourse"] >= 40
    for model in (
        Patient,
        TreatmentCourse,
        StageEvent,
        ScreeningAssessment,
        Assessment,
        MonitoringTask,
        Escalation,
        Intervention,
        ScheduledVisit,
        FollowUpVisit,
    ):
        rows = list(model._default_manager.order_by("?")[:40])
        assert rows, model
        for row in rows:
            row.full_clean()
    # Every course's timeline follows the allowed transitions and ends at its stage.
    for course in TreatmentCourse.objects.prefetch_related("stage_events"):
        events = list(course.stage_events.all())
        assert events[-1].to_stage == course.stage
        for event in events[1:]:
            assert event.to_stage in rules.ALLOWED_TRANSITIONS[event.from_stage], event
    infused = TreatmentCourse.objects.filter(day0_date__isnull=False)
    assert not infused.filter(stage__in=[Stage.REFERRED, Stage.SCREENING]).exists()
    assert ScheduledVisit.objects.filter(course__stage=Stage.FOLLOW_UP).exists()


def test_the_command_refuses_to_run_twice(db):
    seed(courses=3, label="twice")
    with pytest.raises(SeedError, match="already exists"):
        seed(courses=3, label="twice")


def test_reset_refuses_a_database_not_named_for_benchmarks(db):
    with pytest.raises(SeedError, match="refusing to reset"):
        seed(courses=3, reset_first=True)
    assert not Patient.objects.exists()
