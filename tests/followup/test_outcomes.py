"""Best response, progression, PFS and OS with censoring: pure rules, no database."""

from datetime import date, timedelta

import pytest

from followup import outcomes as o
from followup.outcomes import Assessment

DAY0 = date(2026, 1, 10)


def day(n):
    return DAY0 + timedelta(days=n)


def outcome(*records):
    return o.course_outcome(day0=DAY0, assessments=records)


def test_no_follow_up_yet_is_censored_at_day0():
    result = outcome()
    assert result.best_response is None
    assert (result.os.days, result.os.event, result.os.kind) == (0, False, o.CENSORED_LAST_ALIVE)
    assert (result.pfs.days, result.pfs.event) == (0, False)


def test_best_response_improves_from_pr_at_day28_to_cr_at_month3():
    result = outcome(Assessment(day(28), o.PR), Assessment(day(100), o.CR))
    assert (result.best_response, result.best_response_date) == (o.CR, day(100))
    assert result.progression_date is None
    # Censored at the last adequate assessment, alive at the last contact.
    assert (result.pfs.days, result.pfs.event, result.pfs.kind) == (
        100,
        False,
        o.CENSORED_LAST_ASSESSMENT,
    )
    assert (result.os.days, result.os.event) == (100, False)


def test_best_response_is_not_lowered_by_a_later_worse_one_and_ties_keep_the_first():
    result = outcome(
        Assessment(day(28), o.CR), Assessment(day(100), o.CR), Assessment(day(180), o.SD)
    )
    assert (result.best_response, result.best_response_date) == (o.CR, day(28))


def test_not_evaluable_and_not_assessed_do_not_count():
    result = outcome(Assessment(day(28), o.NE), Assessment(day(60), o.NOT_ASSESSED))
    assert result.best_response == o.NE
    assert result.pfs.days == 0
    assert result.os.days == 60


def test_progression_then_death():
    result = outcome(
        Assessment(day(28), o.PR),
        Assessment(day(100), o.PD),
        Assessment(day(150), vital_status=o.DEAD, death_date=day(140)),
    )
    assert result.best_response == o.PR
    assert result.progression_date == day(100)
    assert (result.pfs.days, result.pfs.event, result.pfs.kind) == (100, True, o.EVENT_PROGRESSION)
    assert (result.os.days, result.os.event, result.os.kind) == (140, True, o.EVENT_DEATH)
    assert result.os.months == 4.6


def test_a_response_after_progression_does_not_count_as_best():
    result = outcome(
        Assessment(day(28), o.SD), Assessment(day(100), o.PD), Assessment(day(200), o.CR)
    )
    assert result.best_response == o.SD


def test_death_without_progression_is_a_pfs_event():
    result = outcome(
        Assessment(day(28), o.CR),
        Assessment(day(60), vital_status=o.DEAD, death_date=day(55)),
    )
    assert (result.pfs.days, result.pfs.kind) == (55, o.EVENT_DEATH)
    assert (result.os.days, result.os.event) == (55, True)


def test_a_visit_recording_the_patient_alive_after_death_is_refused():
    with pytest.raises(ValueError, match="after death"):
        outcome(
            Assessment(day(60), vital_status=o.DEAD, death_date=day(50)),
            Assessment(day(100), o.CR),
        )


def test_death_before_a_later_records_review_keeps_the_death_date():
    result = outcome(
        Assessment(day(28), o.PR),
        Assessment(day(120), vital_status=o.DEAD, death_date=day(90)),
    )
    assert result.os.days == 90 and result.last_known_alive == day(28)


def test_lost_to_follow_up_is_censored_at_the_last_date_known_alive():
    result = outcome(
        Assessment(day(28), o.CR),
        Assessment(day(100), o.CR),
        Assessment(day(500), vital_status=o.LOST),
    )
    assert result.lost_to_follow_up is True
    assert (result.os.days, result.os.event, result.os.on) == (100, False, day(100))
    assert (result.pfs.days, result.pfs.event) == (100, False)


def test_a_patient_found_again_is_no_longer_lost():
    result = outcome(
        Assessment(day(100), o.CR),
        Assessment(day(500), vital_status=o.LOST),
        Assessment(day(800), o.CR),
    )
    assert result.lost_to_follow_up is False
    assert result.os.days == 800


def test_a_new_therapy_before_progression_censors_pfs_and_limits_best_response():
    result = outcome(
        Assessment(day(28), o.SD, new_therapy_start=None),
        Assessment(day(60), o.SD, new_therapy_start=day(45)),
        Assessment(day(120), o.CR),
        Assessment(day(200), o.PD),
    )
    assert result.best_response == o.SD
    assert result.new_therapy_start == day(45)
    assert (result.pfs.days, result.pfs.event, result.pfs.kind) == (
        28,
        False,
        o.CENSORED_NEW_THERAPY,
    )
    assert result.progression_date == day(200)


def test_ema_convention_counts_progression_after_a_new_therapy():
    """EMA anticancer guideline, Appendix 1 on PFS: a new therapy does not censor; FDA 2018
    (the default) censors at the last adequate assessment before it (issue 16 item 11)."""
    records = (
        Assessment(day(28), o.SD),
        Assessment(day(60), o.SD, new_therapy_start=day(45)),
        Assessment(day(200), o.PD),
    )
    ema = o.course_outcome(day0=DAY0, assessments=records, pfs_censoring=o.PFS_EMA)
    assert (ema.pfs.days, ema.pfs.event, ema.pfs.kind) == (200, True, o.EVENT_PROGRESSION)
    assert ema.best_response == o.SD  # the response still belongs to the CAR-T
    fda = o.course_outcome(day0=DAY0, assessments=records, pfs_censoring=o.PFS_FDA_2018)
    assert (fda.pfs.days, fda.pfs.event) == (28, False)


def test_an_unknown_pfs_convention_is_refused():
    with pytest.raises(ValueError, match="PFS censoring convention"):
        o.course_outcome(day0=DAY0, assessments=(), pfs_censoring="nih")


@pytest.mark.parametrize(
    "bad",
    [
        Assessment(DAY0 - timedelta(days=1), o.CR),
        Assessment(day(10), "VGPR"),
        Assessment(day(10), vital_status=o.DEAD),
        Assessment(day(10), vital_status=o.DEAD, death_date=day(11)),
        Assessment(day(10), vital_status=o.ALIVE, death_date=day(9)),
    ],
)
def test_inconsistent_records_are_refused(bad):
    with pytest.raises(ValueError):
        outcome(bad)


def test_outcomes_module_imports_nothing_from_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(o))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert not any(name.startswith("django") for name in imported)


@pytest.mark.parametrize(
    ("response", "score", "needs"),
    [
        (o.CR, 3, False),
        (o.CR, 4, True),
        (o.CR, 5, True),
        (o.CR, None, False),
        (o.PR, 5, False),
    ],
)
def test_lugano_2014_cr_is_deauville_1_to_3_so_4_or_5_needs_confirmation(response, score, needs):
    """Lugano 2014 (Cheson, JCO 2014;32:3059): complete metabolic response is Deauville 1–3."""
    assert o.cr_needs_deauville_confirmation(response, score) is needs
