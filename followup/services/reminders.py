"""Follow-up reminders and restriction-ending notices: creation and delivery."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.messaging import absolute_url, email_subject, in_language_of
from core.models import User
from core.roles import Role
from core.services import outbox_email, outbox_emails_enqueue
from patients import rules as patient_rules
from patients.models import TreatmentCourse

from ..models import (
    Discharge,
    ReminderKind,
    ScheduledVisit,
    VisitReminder,
    VisitState,
)

log = logging.getLogger(__name__)


# A reminder goes out this many days before a visit's target date (institutional default).
UPCOMING_LEAD_DAYS = 7


# --- Reminders ---------------------------------------------------------------------------


def reminders_sweep(*, today: date | None = None) -> list[int]:
    """Make the reminder rows due today and queue every unsent one. Safe to run twice or
    on two workers at once: rows are unique per (visit, kind) and sending claims them."""
    from .. import tasks

    today = today or timezone.localdate()
    planned = ScheduledVisit.objects.filter(visit_state=VisitState.PLANNED).exclude(
        course__stage__in=sorted(patient_rules.TERMINAL_STAGES)
    )
    upcoming = planned.filter(
        target_date__lte=today + timedelta(days=UPCOMING_LEAD_DAYS),
        window_end__gte=today,
    ).values_list("pk", flat=True)
    overdue = planned.filter(window_end__lt=today).values_list("pk", flat=True)
    with transaction.atomic():
        VisitReminder.objects.bulk_create(
            [
                VisitReminder(scheduled_visit_id=pk, reminder_kind=ReminderKind.UPCOMING)
                for pk in upcoming
            ]
            + [
                VisitReminder(scheduled_visit_id=pk, reminder_kind=ReminderKind.OVERDUE)
                for pk in overdue
            ],
            ignore_conflicts=True,
        )
        pending = list(
            VisitReminder.objects.filter(sent_at__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        for pk in pending:
            transaction.on_commit(partial(tasks.send_visit_reminder.delay, pk))
    return pending


def _reminder_recipients(course: TreatmentCourse) -> list[User]:
    """The ward's nurses who have an e-mail address, else the attending clinician."""
    nurses = list(
        User.objects.filter(groups__name=Role.NURSE, wards=course.patient.ward_id, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    if not nurses and course.patient.attending_clinician.email:
        nurses = [course.patient.attending_clinician]
    return nurses


def _reminder_message(reminder, visit, course, path: str) -> tuple[str, str]:
    """Subject and body of a follow-up reminder, in the active language."""
    values = {
        "visit": visit.label,
        "mrn": course.patient.mrn,
        "ward": course.patient.ward,
        "target": visit.target_date.isoformat(),
        "start": visit.window_start.isoformat(),
        "end": visit.window_end.isoformat(),
        "path": absolute_url(path),
    }
    if reminder.reminder_kind == ReminderKind.OVERDUE:
        subject = _("Follow-up visit overdue: %(visit)s") % values
        body = (
            _(
                "The %(visit)s follow-up visit of patient MRN %(mrn)s (%(ward)s) was due on "
                "%(target)s; its window closed on %(end)s and no visit has been recorded.\n\n"
                "Follow-up calendar: %(path)s"
            )
            % values
        )
    else:
        subject = _("Follow-up visit coming up: %(visit)s") % values
        body = (
            _(
                "The %(visit)s follow-up visit of patient MRN %(mrn)s (%(ward)s) is due on "
                "%(target)s (window %(start)s to %(end)s).\n\nFollow-up calendar: %(path)s"
            )
            % values
        )
    return subject, body


def reminder_send(*, reminder_id: int) -> bool:
    """Send one reminder, once: claim the row and queue an e-mail to each of the ward's
    follow-up nurses in the outbox, in the same transaction. Core's worker sends them
    (core.services.outbox_deliver_due); a failure before commit un-claims the reminder and
    un-queues its e-mails together, so nothing goes out twice."""
    with transaction.atomic():
        claimed = VisitReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if claimed != 1:
            return False
        reminder = VisitReminder.objects.select_related(
            "scheduled_visit__course__patient__ward",
            "scheduled_visit__course__patient__attending_clinician",
        ).get(pk=reminder_id)
        visit = reminder.scheduled_visit
        course = visit.course
        if visit.visit_state != VisitState.PLANNED or not course.is_open:
            reminder.skipped = True
            reminder.save(update_fields=["skipped"])
            return False
        recipients = _reminder_recipients(course)
        path = reverse("followup:course", args=[course.pk])
        messages = []
        for recipient in recipients:
            # Each in her own language; the subject names no patient.
            with in_language_of(recipient):
                subject, body = _reminder_message(reminder, visit, course, path)
                messages.append(
                    outbox_email(
                        recipient=recipient,
                        source_key=f"visit-reminder:{reminder.pk}",
                        subject=email_subject(subject),
                        body=body,
                    )
                )
        outbox_emails_enqueue(messages=messages)
        if not recipients:
            log.warning("No recipient for follow-up reminder %s", reminder_id)
        reminder.recipients = ", ".join(sorted({r.email for r in recipients}))
        reminder.save(update_fields=["recipients"])
    return True


def restriction_endings_notify(*, today: date | None = None) -> int:
    """Daily: tell the attending clinician and the ward's nurses whose restriction periods end
    today (stay near the centre; no driving or machinery), so the patient can be told. The
    notification's unique cause key makes a second run the same day send nothing."""
    from core.services import notification_send

    today = today or timezone.localdate()
    sent = 0
    discharges = Discharge.objects.filter(
        Q(stay_near_centre_until=today) | Q(no_driving_until=today)
    ).select_related("course__patient__attending_clinician", "course__patient__ward")
    for discharge in discharges:
        patient = discharge.course.patient
        recipients = [
            patient.attending_clinician,
            *User.objects.filter(groups__name=Role.NURSE, wards=patient.ward_id, is_active=True),
        ]
        for recipient in recipients:
            with transaction.atomic(), in_language_of(recipient):
                ending = []
                if discharge.stay_near_centre_until == today:
                    ending.append(str(_("stay near the treating centre")))
                if discharge.no_driving_until == today:
                    ending.append(str(_("no driving or hazardous machinery")))
                note = notification_send(
                    recipient=recipient,
                    subject=_("Restrictions end today for %(patient)s: %(what)s")
                    % {
                        "patient": f"{patient.display_name} {patient.mrn}",
                        "what": ", ".join(ending),
                    },
                    email_subject=_("Restrictions end today for a patient of yours"),
                    link=reverse("followup:course", args=[discharge.course_id]),
                    source_key=f"restriction-end:{discharge.pk}:{today.isoformat()}",
                )
            sent += note is not None
    return sent
