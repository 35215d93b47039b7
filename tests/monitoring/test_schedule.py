from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitoring import schedule

H = timedelta(hours=1)
CQ = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("crs", "icans", "icu", "vitals", "neuro"),
    [
        (0, 0, False, 4 * H, 12 * H),
        (None, None, False, 4 * H, 12 * H),
        (1, 0, False, 2 * H, 8 * H),
        (0, 1, False, 2 * H, 8 * H),
        (2, 0, False, H, 4 * H),
        (0, 3, False, H, 4 * H),
        (0, 0, True, H, 4 * H),
        (4, 4, True, H, 4 * H),
    ],
)
def test_frequency_rises_with_the_grade(crs, icans, icu, vitals, neuro):
    assert (
        schedule.interval_for(kind="vitals", crs_grade=crs, icans_grade=icans, in_icu=icu) == vitals
    )
    assert (
        schedule.interval_for(kind="neuro", crs_grade=crs, icans_grade=icans, in_icu=icu) == neuro
    )


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        schedule.interval_for(kind="labs", crs_grade=0, icans_grade=0, in_icu=False)


def test_next_due_depends_only_on_facts():
    started = datetime(2026, 6, 14, 15, 0, tzinfo=UTC)
    assert (
        schedule.next_due(last_done_at=None, interval=4 * H, monitoring_started_at=started)
        == started
    )
    last = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)
    assert (
        schedule.next_due(last_done_at=last, interval=4 * H, monitoring_started_at=started)
        == last + 4 * H
    )


@pytest.mark.parametrize(
    ("moment", "name", "start", "end"),
    [
        (datetime(2026, 6, 15, 8, 0, tzinfo=CQ), "day", (15, 8), (15, 20)),
        (datetime(2026, 6, 15, 19, 59, tzinfo=CQ), "day", (15, 8), (15, 20)),
        (datetime(2026, 6, 15, 20, 0, tzinfo=CQ), "night", (15, 20), (16, 8)),
        (datetime(2026, 6, 16, 3, 0, tzinfo=CQ), "night", (15, 20), (16, 8)),
        (datetime(2026, 6, 16, 7, 59, tzinfo=CQ), "night", (15, 20), (16, 8)),
    ],
)
def test_shifts(moment, name, start, end):
    shift = schedule.shift_at(moment)
    assert shift.name == name
    assert (shift.start.day, shift.start.hour) == start
    assert (shift.end.day, shift.end.hour) == end


def test_shift_needs_an_aware_time():
    with pytest.raises(ValueError):
        schedule.shift_at(datetime(2026, 6, 15, 9, 0))


@pytest.mark.parametrize(
    ("prev", "last", "expected"), [(0, 2, "up"), (2, 1, "down"), (1, 1, "same"), (None, 1, "")]
)
def test_trend(prev, last, expected):
    assert schedule.trend(prev, last) == expected
