"""Pure rules of issue 16 items 3 and 4: when monitoring may end (clinical reference §3, the
label window is a minimum) and which management advice applies (ASCO 2021, Santomasso JCO
2021;39:3978; tocilizumab label)."""

from datetime import UTC, date, datetime, timedelta

from monitoring import advice, ending

NOW = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
DAY0 = date(2026, 6, 1)


def decide(**overrides):
    values = {
        "day0": DAY0,
        "today": NOW.date(),
        "window_days": 14,
        "latest_crs": 0,
        "latest_icans": 0,
        "open_escalations": 0,
        "recent_treatments": [],
        "now": NOW,
    }
    values.update(overrides)
    return ending.decide(**values)


def codes(decision):
    return [r.code for r in decision.reasons]


class TestMonitoringEndsByDecision_ClinicalReference3:
    def test_window_over_all_quiet_may_end(self):
        decision = decide()
        assert decision.may_end and decision.past_window and codes(decision) == ["may_end"]

    def test_inside_the_window_must_continue(self):
        decision = decide(today=date(2026, 6, 15))  # Day +14 is still inside
        assert not decision.may_end and codes(decision) == ["window_open"]

    def test_day_15_with_crs_3_continues_past_the_window(self):
        decision = decide(today=date(2026, 6, 16), latest_crs=3)
        assert not decision.may_end and decision.past_window
        assert codes(decision) == ["grade_active"]

    def test_icans_1_continues(self):
        assert codes(decide(latest_icans=1)) == ["grade_active"]

    def test_open_escalation_continues(self):
        assert codes(decide(open_escalations=1)) == ["escalation_open"]

    def test_tocilizumab_47_h_ago_continues_49_h_ago_does_not(self):
        recent = decide(recent_treatments=[("tocilizumab", NOW - timedelta(hours=47))])
        assert codes(recent) == ["treatment_recent"]
        old = decide(recent_treatments=[("dexamethasone", NOW - timedelta(hours=49))])
        assert old.may_end

    def test_no_assessment_continues(self):
        assert codes(decide(latest_crs=None, latest_icans=None)) == ["no_assessment"]


def advise(**overrides):
    values = {
        "crs_grade": 0,
        "icans_grade": 0,
        "crs_history": [],
        "tocilizumab_given_at": [],
        "tocilizumab_allowed": True,
        "now": NOW,
    }
    values.update(overrides)
    return [s.key for s in advice.advise(**values)]


class TestAdviceAsco2021:
    def test_grade_0_no_advice(self):
        assert advise() == []

    def test_crs_2_tocilizumab(self):
        assert advise(crs_grade=2) == ["tocilizumab"]

    def test_crs_2_with_the_repeat_limit_reached(self):
        assert advise(crs_grade=2, tocilizumab_allowed=False) == ["tocilizumab_limit"]

    def test_crs_1_for_2_days_no_tocilizumab_for_4_days_yes(self):
        two_days = [(NOW - timedelta(days=2), 1), (NOW, 1)]
        assert advise(crs_grade=1, crs_history=two_days) == []
        four_days = [(NOW - timedelta(days=4), 1), (NOW, 1)]
        assert advise(crs_grade=1, crs_history=four_days) == ["tocilizumab"]

    def test_crs_3_dexamethasone(self):
        assert advise(crs_grade=3) == ["tocilizumab", "dexamethasone"]

    def test_icans_2_dexamethasone(self):
        assert advise(icans_grade=2) == ["dexamethasone"]

    def test_crs_4_methylprednisolone(self):
        assert advise(crs_grade=4) == ["tocilizumab", "methylprednisolone"]

    def test_grade_2_not_improving_24_h_after_tocilizumab_manage_as_grade_3(self):
        dose = NOW - timedelta(hours=25)
        history = [(dose - timedelta(hours=1), 2), (dose + timedelta(hours=4), 2), (NOW, 2)]
        assert advise(crs_grade=2, crs_history=history, tocilizumab_given_at=[dose]) == [
            "manage_as_grade_3",
            "tocilizumab",
            "dexamethasone",
        ]

    def test_grade_2_only_23_h_after_tocilizumab_not_yet(self):
        dose = NOW - timedelta(hours=23)
        history = [(dose, 2), (NOW, 2)]
        assert "manage_as_grade_3" not in advise(
            crs_grade=2, crs_history=history, tocilizumab_given_at=[dose]
        )

    def test_levetiracetam_where_the_product_protocol_says(self):
        assert advise(levetiracetam_for_product=True) == ["levetiracetam"]
