"""Issue 18: pre-collection ALC and CD3+ from the laboratory system, through apheresis'
service, on the planned collection only; typed edits flip the source; older never wins."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from apheresis import services
from apheresis.lab_services import schedule_counts_receive
from interfaces.services import interface_account
from tests.apheresis.conftest import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(frozen, schedule):
    """Booked (counts typed) at 09:00; the laboratory's samples below are from later."""
    frozen.move_to("2026-06-15 14:00 +08:00")
    return schedule


def receive(course, results, message="HL7 C1"):
    return schedule_counts_receive(
        by=interface_account(), course=course, results=results, message=message
    )


class TestScheduleCountsReceive:
    def test_fills_alc_cd3_and_the_draw_date(self, later, course):
        changed = receive(
            course, [("alc", "650", "/uL", at(11)), ("cd3", "0.38", "10*9/L", at(11))]
        )
        later.refresh_from_db()
        assert changed == ["alc_10e9_l", "cd3_cells_per_ul"]
        assert (later.alc_10e9_l, later.cd3_cells_per_ul, later.counts_drawn_on) == (
            Decimal("0.65"),
            380,
            TODAY,
        )
        assert later.lab_sources["cd3_cells_per_ul"]["source"] == "lab_system"
        assert later.version == 2

    def test_older_counts_do_not_overwrite(self, later, course):
        receive(course, [("alc", "0.65", "10*9/L", at(11))])
        assert receive(course, [("alc", "0.20", "10*9/L", at(10))]) == []
        later.refresh_from_db()
        assert later.alc_10e9_l == Decimal("0.65")

    def test_a_typed_edit_flips_the_source(self, later, course, coordinator_cai):
        receive(course, [("alc", "0.65", "10*9/L", at(11)), ("cd3", "380", "/uL", at(11))])
        later.refresh_from_db()
        services.schedule_update(
            by=coordinator_cai,
            schedule=later,
            expected_version=later.version,
            alc_10e9_l=Decimal("0.70"),
            cd3_cells_per_ul=380,
        )
        later.refresh_from_db()
        assert later.lab_sources["alc_10e9_l"]["source"] == "typed"
        assert later.lab_sources["cd3_cells_per_ul"]["source"] == "lab_system"

    def test_nothing_planned_nothing_changes(self, course):
        assert receive(course, [("alc", "0.65", "10*9/L", at(11))]) == []

    def test_only_the_interface_account(self, later, course, coordinator_cai):
        with pytest.raises(PermissionDenied):
            schedule_counts_receive(by=coordinator_cai, course=course, results=[], message="x")

    def test_counts_typed_at_booking_outrank_older_samples(self, schedule, course):
        assert schedule.lab_sources["alc_10e9_l"]["source"] == "typed"
        yesterday = at(11, day=TODAY - timedelta(days=1))
        assert receive(course, [("alc", "0.10", "10*9/L", yesterday)]) == []
        schedule.refresh_from_db()
        assert schedule.alc_10e9_l == Decimal("0.80")
