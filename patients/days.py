"""Day labels ('Day −5', 'Day +14'; '第 +14 天') in the reader's language (issue 17).

The number is the pure rule's (patients.rules.signed_day, true minus sign); only the words
around it are translated. English-only places (exports, the pure dosing steps) keep
patients.rules.format_day."""

from django.utils.translation import gettext

from . import rules


def day_label(n: int) -> str:
    """'Day +3' in the active language."""
    # Translators: a day counted from the infusion (Day 0); n is "−5", "0" or "+14".
    return gettext("Day %(n)s") % {"n": rules.signed_day(n)}
