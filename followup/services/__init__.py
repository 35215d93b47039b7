"""Every write to follow-up records. Views, API, admin, tasks and signals call these.

A package (split by concern); every name stays importable from ``followup.services``."""

from .completion import follow_up_end
from .discharge import DISCHARGE_FIELDS, discharge_record
from .reminders import (
    UPCOMING_LEAD_DAYS,
    reminder_send,
    reminders_sweep,
    restriction_endings_notify,
)
from .visit_schedule import schedule_close, schedule_generate, schedule_realign
from .visits import (
    EVENT_FIELDS,
    INFECTION_FIELDS,
    THERAPY_FIELDS,
    VISIT_FIELDS,
    course_close_as_deceased,
    manufacturer_report_record,
    visit_record,
)

__all__ = [
    "DISCHARGE_FIELDS",
    "EVENT_FIELDS",
    "INFECTION_FIELDS",
    "THERAPY_FIELDS",
    "UPCOMING_LEAD_DAYS",
    "VISIT_FIELDS",
    "course_close_as_deceased",
    "discharge_record",
    "follow_up_end",
    "manufacturer_report_record",
    "reminder_send",
    "reminders_sweep",
    "restriction_endings_notify",
    "schedule_close",
    "schedule_generate",
    "schedule_realign",
    "visit_record",
]
