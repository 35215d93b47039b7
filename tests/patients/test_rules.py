from datetime import date

import pytest

from patients import rules

ALL_ROLES = {"clinician", "nurse", "apheresis_coordinator"}


class TestBodySurfaceArea:
    @pytest.mark.parametrize(
        ("height_cm", "weight_kg", "expected_m2"),
        [(170, 70, 1.82), (180, 100, 2.24), (150, 45, 1.37), (100, 16, 0.67)],
    )
    def test_mosteller_worked_examples(self, height_cm, weight_kg, expected_m2):
        assert round(rules.body_surface_area_m2(height_cm=height_cm, weight_kg=weight_kg), 2) == (
            expected_m2
        )

    @pytest.mark.parametrize(
        ("height_cm", "weight_kg", "field"),
        [
            (0, 70, "height_cm"),
            (170, -1, "weight_kg"),
            (170, 0, "weight_kg"),
            (400, 70, "height_cm"),
            (170, 900, "weight_kg"),
            ("tall", 70, "height_cm"),
            (170, True, "weight_kg"),
        ],
    )
    def test_implausible_values_name_the_field(self, height_cm, weight_kg, field):
        with pytest.raises(ValueError, match=field):
            rules.body_surface_area_m2(height_cm=height_cm, weight_kg=weight_kg)


class TestAge:
    def test_completed_years(self):
        assert rules.age_in_years(date_of_birth=date(2000, 6, 15), on=date(2026, 6, 14)) == 25
        assert rules.age_in_years(date_of_birth=date(2000, 6, 15), on=date(2026, 6, 15)) == 26

    def test_leap_day_birthday(self):
        assert rules.age_in_years(date_of_birth=date(2008, 2, 29), on=date(2026, 2, 28)) == 17
        assert rules.age_in_years(date_of_birth=date(2008, 2, 29), on=date(2026, 3, 1)) == 18

    def test_birth_after_the_day_is_refused(self):
        with pytest.raises(ValueError, match="date_of_birth"):
            rules.age_in_years(date_of_birth=date(2027, 1, 1), on=date(2026, 1, 1))


ALLOWED_PAIRS = [
    (src, dst) for src, targets in rules.ALLOWED_TRANSITIONS.items() for dst in sorted(targets)
]


class TestTransitions:
    def test_every_stage_has_a_rule(self):
        assert set(rules.ALLOWED_TRANSITIONS) == set(rules.STAGE_ORDER)

    @pytest.mark.parametrize(("src", "dst"), ALLOWED_PAIRS)
    def test_every_allowed_transition_passes_for_a_clinician_with_a_reason(self, src, dst):
        check = rules.check_transition(
            from_stage=src, to_stage=dst, roles={"clinician"}, reason="documented"
        )
        assert check.allowed, check.message
        assert check.code == "ok"

    @pytest.mark.parametrize(
        ("src", "dst"),
        [
            ("referred", "eligible"),
            ("referred", "infusion"),
            ("screening", "consented"),
            ("not_eligible", "consented"),
            ("consented", "infusion"),
            ("apheresis", "lymphodepletion"),
            ("bridging", "infusion"),
            ("lymphodepletion", "monitoring"),
            ("infusion", "follow_up"),
            ("monitoring", "completed"),
            ("follow_up", "screening"),
            ("monitoring", "infusion"),
        ],
    )
    def test_skipping_or_going_back_is_refused(self, src, dst):
        check = rules.check_transition(from_stage=src, to_stage=dst, roles=ALL_ROLES, reason="x")
        assert not check.allowed
        assert check.code == "not_allowed"
        assert src in check.message and dst in check.message

    @pytest.mark.parametrize("terminal", sorted(rules.TERMINAL_STAGES))
    def test_an_ended_course_never_moves(self, terminal):
        for dst in rules.STAGE_ORDER:
            check = rules.check_transition(
                from_stage=terminal, to_stage=dst, roles=ALL_ROLES, reason="x"
            )
            assert not check.allowed

    def test_same_stage_is_refused(self):
        check = rules.check_transition(
            from_stage="screening", to_stage="screening", roles={"clinician"}
        )
        assert check.code == "same"

    @pytest.mark.parametrize(
        ("src", "dst"),
        [
            ("screening", "withdrawn"),
            ("monitoring", "deceased"),
            ("follow_up", "completed"),
            ("not_eligible", "screening"),
            ("manufacturing", "apheresis"),
        ],
    )
    def test_ending_or_undoing_needs_a_reason(self, src, dst):
        check = rules.check_transition(
            from_stage=src, to_stage=dst, roles={"clinician"}, reason="   "
        )
        assert not check.allowed and check.code == "reason"
        assert rules.check_transition(
            from_stage=src, to_stage=dst, roles={"clinician"}, reason="why"
        ).allowed

    def test_forward_moves_need_no_reason(self):
        assert rules.check_transition(
            from_stage="referred", to_stage="screening", roles={"clinician"}
        ).allowed

    @pytest.mark.parametrize(
        ("roles", "src", "dst", "allowed"),
        [
            ({"nurse"}, "lymphodepletion", "infusion", True),
            ({"nurse"}, "infusion", "monitoring", True),
            ({"nurse"}, "screening", "eligible", False),
            ({"apheresis_coordinator"}, "consented", "apheresis", True),
            ({"apheresis_coordinator"}, "apheresis", "manufacturing", True),
            ({"apheresis_coordinator"}, "manufacturing", "lymphodepletion", False),
            ({"pharmacist"}, "referred", "screening", False),
            ({"administrator"}, "referred", "screening", False),
            ({"auditor"}, "referred", "screening", False),
            (set(), "referred", "screening", False),
        ],
    )
    def test_roles(self, roles, src, dst, allowed):
        check = rules.check_transition(from_stage=src, to_stage=dst, roles=roles)
        assert check.allowed is allowed
        if not allowed:
            assert check.code == "role"

    def test_unknown_stage_raises(self):
        with pytest.raises(ValueError, match="to_stage"):
            rules.check_transition(from_stage="referred", to_stage="cured", roles={"clinician"})


class TestDayNumbers:
    @pytest.mark.parametrize(
        ("day0", "on", "n", "label"),
        [
            (date(2026, 3, 2), date(2026, 2, 25), -5, "Day \u22125"),
            (date(2026, 3, 2), date(2026, 3, 2), 0, "Day 0"),
            (date(2026, 1, 25), date(2026, 2, 8), 14, "Day +14"),
            # Leap year: 29 February counts.
            (date(2028, 2, 27), date(2028, 3, 1), 3, "Day +3"),
            # Across the US DST change (8 March 2026) and the year end.
            (date(2026, 3, 7), date(2026, 3, 9), 2, "Day +2"),
            (date(2026, 12, 30), date(2027, 1, 2), 3, "Day +3"),
        ],
    )
    def test_day_number_and_label(self, day0, on, n, label):
        assert rules.day_number(day0=day0, on=on) == n
        assert rules.format_day(n) == label
