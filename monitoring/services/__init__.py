"""Every write of the monitoring stage: assessments, interventions, tasks, reminders,
escalations. Views, API, admin and Celery tasks call these and nothing else.

A package (split by concern); every name stays importable from ``monitoring.services``."""

from .assessments import (
    ASSESSABLE_STAGES,
    BEDSIDE_ROLES,
    CLOCK_SKEW,
    SUSTAINED_GRADE_REESCALATE_AFTER,
    assessment_record,
    escalation_acknowledge,
    escalation_reason,
)
from .grades import ICE_ITEMS, Grades, findings_json, grade_values, vital_thresholds
from .interventions import (
    intervention_record,
    lab_result_record,
    task_take,
    tocilizumab_recommended_dose,
)
from .reminders import (
    REMINDER_BATCH,
    _can_update_returning,
    _reminders_claim,
    escalation_notify,
    reminder_deliver,
    reminders_deliver_due,
)
from .sweep import (
    SweepResult,
    _insert_new,
    _monitored_courses,
    monitoring_sweep,
    reminders_create,
    tasks_close_missed,
    tasks_create_due,
)

__all__ = [
    "ASSESSABLE_STAGES",
    "BEDSIDE_ROLES",
    "CLOCK_SKEW",
    "Grades",
    "ICE_ITEMS",
    "REMINDER_BATCH",
    "SUSTAINED_GRADE_REESCALATE_AFTER",
    "SweepResult",
    "_can_update_returning",
    "_insert_new",
    "_monitored_courses",
    "_reminders_claim",
    "assessment_record",
    "escalation_acknowledge",
    "escalation_notify",
    "escalation_reason",
    "findings_json",
    "grade_values",
    "intervention_record",
    "lab_result_record",
    "monitoring_sweep",
    "reminder_deliver",
    "reminders_create",
    "reminders_deliver_due",
    "task_take",
    "tasks_close_missed",
    "tasks_create_due",
    "tocilizumab_recommended_dose",
    "vital_thresholds",
]
