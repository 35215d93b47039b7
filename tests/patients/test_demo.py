"""The demo is dated relative to today: seeded on any day, its patients in monitoring are on
the same Day +N of that day, and a demo seeded on an earlier day is rebuilt by `make run`."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from home.management.commands import demo_reset
from home.management.commands.seed_demo import demo_seeded_on
from monitoring.models import Escalation
from patients import rules
from patients.models import Stage, TreatmentCourse

pytestmark = pytest.mark.django_db

CQ = ZoneInfo("Asia/Shanghai")
FIRST_DAY = datetime(2026, 3, 2, 9, 0, tzinfo=CQ)
NINE_DAYS_LATER = datetime(2026, 3, 11, 15, 30, tzinfo=CQ)


def _demo_as_seen_today() -> dict:
    """Where the demo stands relative to today: the day numbers of the patients in
    monitoring, and the open escalations' age in whole days."""
    today = timezone.localdate()
    courses = TreatmentCourse.objects.filter(stage=Stage.MONITORING).select_related("patient")
    return {
        "monitoring": sorted(
            (c.patient.mrn, rules.day_number(day0=c.day0_date, on=today)) for c in courses
        ),
        "escalation_ages_days": sorted(
            (today - timezone.localdate(raised)).days
            for raised in Escalation.objects.filter(acknowledged_at__isnull=True).values_list(
                "created_at", flat=True
            )
        ),
    }


def _seeded_on(moment: datetime) -> tuple[dict, bool, bool]:
    """Seed the demo at that moment, read it, and roll it all back."""
    with time_machine.travel(moment, tick=False), transaction.atomic():
        call_command("seed_demo", verbosity=0)
        seen = _demo_as_seen_today()
        assert demo_seeded_on() == timezone.localdate()
        stale_today = demo_reset.demo_is_stale(today=timezone.localdate())
        stale_later = demo_reset.demo_is_stale(today=NINE_DAYS_LATER.date())
        transaction.set_rollback(True)
    return seen, stale_today, stale_later


def test_the_demo_is_on_the_same_day_numbers_whatever_day_it_is_seeded():
    first, stale_today, stale_later = _seeded_on(FIRST_DAY)
    later, _, _ = _seeded_on(NINE_DAYS_LATER)
    assert first["monitoring"] and first == later
    # Day 0 a few days ago for the ward's patients in monitoring (Today has work).
    assert any(0 <= day <= 3 for _, day in first["monitoring"])
    assert (stale_today, stale_later) == (False, True)


def test_no_demo_is_never_stale():
    assert demo_seeded_on() is None
    assert demo_reset.demo_is_stale(today=timezone.localdate()) is False


def test_reset_is_refused_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_reset")


class TestIfStale:
    """`make run` calls demo_reset --if-stale: rebuild an aged demo, only seed otherwise."""

    @pytest.fixture
    def rebuilt(self, monkeypatch):
        done = []
        monkeypatch.setattr(demo_reset, "drop_all_tables", lambda: done.append("drop") or 0)
        real = demo_reset.call_command

        def call(name, *args, **kwargs):
            done.append(name)
            if name == "seed_demo":
                real(name, verbosity=0)

        monkeypatch.setattr(demo_reset, "call_command", call)
        return done

    @override_settings(DEBUG=True)
    def test_a_demo_of_today_is_only_seeded(self, rebuilt):
        call_command("demo_reset", if_stale=True, verbosity=0)
        call_command("demo_reset", if_stale=True, verbosity=0)
        assert rebuilt == ["seed_demo", "seed_demo"]

    @override_settings(DEBUG=True)
    def test_a_demo_of_an_earlier_day_is_rebuilt(self, rebuilt):
        with time_machine.travel(FIRST_DAY, tick=False):
            call_command("seed_demo", verbosity=0)
        with time_machine.travel(NINE_DAYS_LATER, tick=False):
            call_command("demo_reset", if_stale=True, verbosity=0)
        assert rebuilt == ["drop", "migrate", "seed_demo"]
