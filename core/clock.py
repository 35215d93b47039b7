"""How a moment is shown: local time (settings.TIME_ZONE), with the date unless it is today.

Issue 16 item 5: "02:00" on an escalation 13 days old read as this morning, and the
"prompted by assessment" picker showed UTC. Every time shown goes through local_when(), in
templates as the `when` filter ({% load clock %}), in messages and notifications directly.
"""

from datetime import datetime

from django.utils import dateformat, formats, timezone


def local_when(value: datetime | None, *, now: datetime | None = None) -> str:
    """ "14:05" today; "2026-06-02 14:05" any other day (both local)."""
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    local = timezone.localtime(value)
    today = timezone.localtime(now or timezone.now()).date()
    if local.date() == today:
        return formats.time_format(local, "TIME_FORMAT")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def local_when_formatter(*, now: datetime):
    """local_when for many moments on one page: the formats, the time zone and today's date
    are looked up once, and a moment shown twice (tasks share their slots) is formatted once
    (the Today list shows about 170 times; issue 20 item 2). Same output."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    time_format = formats.get_format("TIME_FORMAT")
    date_time_format = formats.get_format("SHORT_DATETIME_FORMAT")
    shown: dict[datetime, str] = {}

    def when(value: datetime | None) -> str:
        if value is None:
            return ""
        text = shown.get(value)
        if text is None:
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            local = value.astimezone(zone)
            if local.date() == today:
                text = dateformat.time_format(local, time_format)
            else:
                text = dateformat.format(local, date_time_format)
            shown[value] = text
        return text

    return when
