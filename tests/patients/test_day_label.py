"""Issue 17: 'Day +N' in the reader's language, with the true minus sign in both."""

import pytest
from django.utils.translation import override

from patients import rules
from patients.days import day_label

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("n", "en", "zh"),
    [
        (-5, f"Day {MINUS}5", f"第 {MINUS}5 天"),
        (0, "Day 0", "第 0 天"),
        (14, "Day +14", "第 +14 天"),
    ],
)
def test_day_label_in_both_languages(n, en, zh):
    with override("en"):
        assert day_label(n) == en == rules.format_day(n)
    with override("zh-hans"):
        assert day_label(n) == zh


def test_day_zero_reads_as_the_existing_day_0_wording():
    # "Day 0" is already translated on its own (the course header); the label agrees with it.
    from django.utils.translation import gettext

    with override("zh-hans"):
        assert day_label(0) == gettext("Day 0")


@pytest.mark.parametrize("n", [1.0, True, "5", None])
def test_day_label_refuses_what_is_not_a_whole_number(n):
    with pytest.raises(ValueError):
        day_label(n)
