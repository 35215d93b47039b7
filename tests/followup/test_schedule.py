"""The 15-year visit schedule: pure rules, no database."""

from datetime import date

import pytest

from followup import rules, schedule


def by_code(day0):
    return {v.code: v for v in schedule.visit_schedule(day0=day0)}


def test_default_plan_is_day14_day28_day100_month6_month12_then_yearly_to_year15():
    visits = schedule.visit_schedule(day0=date(2026, 3, 2))
    assert [v.code for v in visits] == ["d14", "d28", "d100", "m6", "m12"] + [
        f"y{n}" for n in range(2, 16)
    ]
    assert [v.sequence for v in visits] == list(range(1, 20))
    plan = by_code(date(2026, 3, 2))
    assert plan["d14"].target_date == date(2026, 3, 16)
    assert plan["d28"].target_date == date(2026, 3, 30)
    assert plan["d100"].target_date == date(2026, 6, 10)
    assert plan["m6"].target_date == date(2026, 9, 2)
    assert plan["m12"].target_date == date(2027, 3, 2)
    assert plan["y15"].target_date == date(2041, 3, 2)


def test_windows_surround_the_target_and_never_overlap():
    visits = schedule.visit_schedule(day0=date(2026, 3, 2))
    d28 = visits[1]
    assert (d28.window_start, d28.window_end) == (date(2026, 3, 23), date(2026, 4, 6))
    for earlier, later in zip(visits, visits[1:], strict=False):
        assert earlier.window_start <= earlier.target_date <= earlier.window_end
        assert earlier.window_end < later.window_start


def test_years_six_to_fifteen_are_annual_contact():
    plan = by_code(date(2026, 3, 2))
    assert plan["y5"].contact == schedule.VISIT
    assert plan["y6"].contact == schedule.CONTACT
    assert plan["y15"].contact == schedule.CONTACT


@pytest.mark.parametrize(
    ("day0", "month6"),
    [
        (date(2025, 8, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2023, 8, 31), date(2024, 2, 29)),  # leap year
        (date(2026, 3, 31), date(2026, 9, 30)),
    ],
)
def test_month6_at_month_ends(day0, month6):
    assert by_code(day0)["m6"].target_date == month6


def test_a_29_february_infusion_has_28_february_anniversaries_in_common_years():
    plan = by_code(date(2024, 2, 29))
    assert plan["m12"].target_date == date(2025, 2, 28)
    assert plan["y4"].target_date == date(2028, 2, 29)
    assert plan["y5"].target_date == date(2029, 2, 28)


def test_day_visits_cross_the_leap_day():
    assert by_code(date(2024, 2, 20))["d14"].target_date == date(2024, 3, 5)
    assert by_code(date(2023, 2, 20))["d14"].target_date == date(2023, 3, 6)


def test_a_datetime_day0_is_refused():
    from datetime import datetime

    with pytest.raises(ValueError):
        schedule.visit_schedule(day0=datetime(2026, 3, 2, 10, 0))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 22), schedule.UPCOMING),
        (date(2026, 3, 23), schedule.DUE),
        (date(2026, 4, 6), schedule.DUE),
        (date(2026, 4, 7), schedule.OVERDUE),
    ],
)
def test_status_of_a_planned_visit(today, expected):
    d28 = by_code(date(2026, 3, 2))["d28"]
    status = schedule.visit_status(
        state=schedule.PLANNED,
        window_start=d28.window_start,
        window_end=d28.window_end,
        today=today,
    )
    assert status == expected


def test_done_and_cancelled_are_never_overdue():
    for state in (schedule.DONE, schedule.CANCELLED):
        assert (
            schedule.visit_status(
                state=state,
                window_start=date(2020, 1, 1),
                window_end=date(2020, 1, 2),
                today=date(2026, 1, 1),
            )
            == state
        )


def test_days_overdue_counts_from_the_window_close():
    assert schedule.days_overdue(window_end=date(2026, 4, 6), today=date(2026, 4, 16)) == 10
    assert schedule.days_overdue(window_end=date(2026, 4, 6), today=date(2026, 4, 1)) == 0


def test_matching_visit_picks_the_window_holding_the_date():
    visits = schedule.visit_schedule(day0=date(2026, 3, 2))
    assert schedule.matching_visit(visits=visits, on=date(2026, 3, 31)).code == "d28"
    assert schedule.matching_visit(visits=visits, on=date(2026, 4, 20)) is None


class TestRestrictions:
    def test_current_us_label_is_two_weeks_each_from_day0(self):
        r = rules.restriction_end_dates(day0=date(2026, 3, 2))
        assert (r.stay_near_centre_until, r.no_driving_until) == (
            date(2026, 3, 16),
            date(2026, 3, 16),
        )

    def test_legacy_protocol_four_and_eight_weeks(self):
        r = rules.restriction_end_dates(
            day0=date(2026, 3, 2),
            stay_near_centre_days=rules.LEGACY_STAY_NEAR_CENTRE_DAYS,
            no_driving_days=rules.LEGACY_NO_DRIVING_DAYS,
        )
        assert (r.stay_near_centre_until, r.no_driving_until) == (
            date(2026, 3, 30),
            date(2026, 4, 27),
        )

    @pytest.mark.parametrize("days", [-1, 366, 14.5, True])
    def test_implausible_durations_are_refused(self, days):
        with pytest.raises(ValueError):
            rules.restriction_end_dates(day0=date(2026, 3, 2), no_driving_days=days)


# --- CIBMTR form 4100 windows (issue 16 item 12) ----------------------------------------------


def test_cibmtr_4100_plan_day100_month6_then_one_year_contact_from_day365():
    """CIBMTR form 4100: the 1-year contact is due from Day 365, never before it."""
    visits = schedule.visit_schedule(
        day0=date(2026, 3, 2), plan=schedule.plan_named(schedule.CIBMTR_4100)
    )
    assert [v.code for v in visits] == ["d100", "m6", "d365"] + [f"y{n}" for n in range(2, 16)]
    year1 = visits[2]
    assert year1.target_date == date(2027, 3, 2)  # Day 365 (2026 is not a leap year)
    assert year1.window_start == year1.target_date  # not before Day 365
    assert year1.window_end == date(2027, 4, 1)  # + 30 days
    assert year1.contact == schedule.CONTACT


def test_cibmtr_4100_annual_windows_are_plus_minus_30_days():
    """CIBMTR form 4100: annual follow-up ±30 days around each anniversary of Day 0."""
    visits = {
        v.code: v
        for v in schedule.visit_schedule(
            day0=date(2024, 2, 29), plan=schedule.plan_named("cibmtr_4100")
        )
    }
    for n in range(2, 16):
        v = visits[f"y{n}"]
        assert (v.target_date - v.window_start).days == 30
        assert (v.window_end - v.target_date).days == 30
    ordered = sorted(visits.values(), key=lambda v: v.sequence)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        assert earlier.window_end < later.window_start


def test_institutional_plan_stays_the_default_and_unknown_plans_are_refused():
    assert schedule.plan_named("institutional") is schedule.DEFAULT_PLAN
    with pytest.raises(ValueError, match="unknown visit plan"):
        schedule.plan_named("weekly")


def test_a_visit_code_of_the_other_plan_keeps_its_spec():
    assert schedule.spec_for("d365").number == 365
    assert schedule.spec_for("d14").number == 14
