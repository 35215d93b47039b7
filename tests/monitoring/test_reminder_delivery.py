"""Reminders go out in batches: one claim, one read of the wards' nurses and one insert per
batch, so a cold sweep runs as many queries for 6 reminders as for 40; a reminder is
delivered once however often it is tried, and a batch that fails is retried, never lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import unaudited
from core.models import DeliveryState, Notification, OutboxMessage
from core.services import outbox_deliver_due
from monitoring import services
from monitoring.models import MonitoringTask, Reminder, ReminderKind, TaskKind
from monitoring.services import reminders as reminder_delivery
from patients.models import Stage, TreatmentCourse
from tests.factories import PatientFactory, UserFactory, WardFactory
from tests.monitoring.conftest import course_in_monitoring

pytestmark = pytest.mark.django_db

# A cold sweep's queries, whatever the number of reminders: 16 (2 of them read back the tasks
# it inserted and write their creation history in one statement, one closes missed tasks),
# and 6 savepoints because a test runs inside a transaction (the sweep's three transactions
# are savepoints here).
COLD_SWEEP_BUDGET = 22


@pytest.fixture
def ward_7c(db):
    """Ward 7C, whose only nurse, Fay, is on leave (inactive): its reminders go to the
    attending clinician."""
    ward = WardFactory(code="7c", name="Haematology 7C")
    UserFactory(username="fay", first_name="Fay", roles=["nurse"], wards=[ward], is_active=False)
    return ward


@pytest.fixture
def wards(frozen, ward_7a, ward_7b, ward_7c, nurse_ada, nurse_eve, nurse_dan):
    """Ada and Eve nurse on 7A, Dan on 7B, nobody active on 7C."""
    return [ward_7a, ward_7b, ward_7c]


def admit(wards, clinician) -> list[TreatmentCourse]:
    """One patient in monitoring on each ward; their first tasks are due now."""
    return [
        course_in_monitoring(PatientFactory(ward=ward, attending_clinician=clinician), clinician)
        for ward in wards
    ]


def add_due_vitals(courses, count: int) -> None:
    """Vital-sign tasks due over the last minutes, round the courses: the older ones are
    overdue, the newer ones coming due."""
    now = timezone.now()
    for i in range(count):
        MonitoringTask.objects.create(
            course=courses[i % len(courses)],
            kind=TaskKind.VITALS,
            due_at=now - timedelta(minutes=1 + i),
        )


def retire(courses) -> None:
    """Out of monitoring, so that the next cold sweep sees only new patients (bypassing the
    audit guard, as a test's set-up may)."""
    with unaudited("test set-up: courses leave monitoring"):
        TreatmentCourse._base_manager.filter(pk__in=[c.pk for c in courses]).update(
            stage=Stage.FOLLOW_UP
        )


def reminder_notifications():
    return Notification.objects.filter(source_key__startswith="reminder:")


def ward_reads(queries) -> int:
    return sum('"core_user_wards"' in q["sql"] for q in queries)


class TestQueries:
    def test_a_cold_sweep_runs_as_many_queries_for_40_reminders_as_for_6(
        self, wards, dr_ben, django_assert_max_num_queries
    ):
        # Each new patient is given a neurological task (their vital signs are due already):
        # its reminder and those of the vital-sign tasks make the reminders of the sweep.
        small_courses = admit(wards, dr_ben)
        add_due_vitals(small_courses, 3)
        with django_assert_max_num_queries(COLD_SWEEP_BUDGET) as small:
            result = services.monitoring_sweep()
        assert result == services.SweepResult(3, 6, 6, 0)
        assert ward_reads(small.captured_queries) == 1

        retire(small_courses)
        add_due_vitals(admit(wards, dr_ben), 37)
        with django_assert_max_num_queries(len(small.captured_queries)) as large:
            result = services.monitoring_sweep()
        assert result == services.SweepResult(3, 40, 40, 0)
        assert len(large.captured_queries) == len(small.captured_queries)
        assert ward_reads(large.captured_queries) == 1
        # 7A's reminders go to Ada and Eve, 7B's to Dan, 7C's to Dr Ben:
        # 2 + 14 on 7A, twice, then 2 + 13 on 7B and on 7C.
        assert reminder_notifications().count() == 2 * 16 + 15 + 15

    def test_batches_of_reminders_cost_the_same_queries(
        self, wards, dr_ben, monkeypatch, django_assert_max_num_queries
    ):
        monkeypatch.setattr(reminder_delivery, "REMINDER_BATCH", 4)
        courses = admit(wards, dr_ben)
        add_due_vitals(courses, 9)
        services.tasks_create_due(now=timezone.now())
        assert services.reminders_create(now=timezone.now()) == 12
        with CaptureQueriesContext(connection) as queries:
            assert services.reminders_deliver_due() == 12
        # Three full batches and the empty claim that ends the loop.
        assert ward_reads(queries.captured_queries) == 3
        assert not Reminder.objects.filter(sent_at__isnull=True).exists()
        assert reminder_notifications().values("source_key").distinct().count() == 12


class TestExactlyOnce:
    def test_delivering_twice_delivers_nothing_the_second_time(self, wards, dr_ben):
        admit(wards, dr_ben)
        assert services.monitoring_sweep().reminders_delivered == 6
        sent = reminder_notifications().count()
        assert services.reminders_deliver_due() == 0
        reminder = Reminder.objects.first()
        assert services.reminder_deliver(reminder_id=reminder.pk) is False
        assert reminder_notifications().count() == sent == 8

    def test_a_reminder_claimed_once_is_not_claimed_again(self, wards, dr_ben):
        admit(wards, dr_ben)
        services.tasks_create_due(now=timezone.now())
        services.reminders_create(now=timezone.now())
        ids = sorted(Reminder.objects.values_list("pk", flat=True))
        with transaction.atomic():
            assert services._reminders_claim(limit=500) == ids
            assert services._reminders_claim(limit=500) == []
            assert services._reminders_claim(reminder_id=ids[0]) == []
        assert not Reminder.objects.filter(sent_at__isnull=True).exists()

    def test_the_claim_without_returning_claims_once_too(self, wards, dr_ben, monkeypatch):
        admit(wards, dr_ben)
        # SQLite before 3.35 has no UPDATE ... RETURNING.
        monkeypatch.setattr(reminder_delivery, "_can_update_returning", lambda: False)
        result = services.monitoring_sweep()
        assert (result.reminders_created, result.reminders_delivered) == (6, 6)
        assert services.monitoring_sweep().reminders_delivered == 0
        assert reminder_notifications().count() == 8

    def test_counts_are_of_the_rows_inserted_not_of_the_tables(self, wards, dr_ben):
        admit(wards, dr_ben)
        assert services.tasks_create_due(now=timezone.now()) == 6
        assert services.reminders_create(now=timezone.now()) == 6
        assert services.reminders_create(now=timezone.now()) == 0
        task = MonitoringTask.objects.first()
        now = timezone.now()
        # One row whose key another sweep already took, one new: only the new one counts.
        offered = [(task.pk, ReminderKind.COMING_DUE, now), (task.pk, ReminderKind.OVERDUE, now)]
        assert services._insert_new(Reminder, ("task", "kind", "created_at"), offered) == 1
        assert Reminder.objects.filter(task=task).count() == 2


class TestFailure:
    def test_a_failed_batch_is_unclaimed_and_the_next_sweep_delivers_it(self, wards, dr_ben):
        admit(wards, dr_ben)
        with mock.patch.object(
            Notification.objects, "bulk_create", side_effect=RuntimeError("database went away")
        ):
            result = services.monitoring_sweep()
        assert (result.reminders_created, result.reminders_delivered) == (6, 0)
        assert Reminder.objects.filter(sent_at__isnull=True).count() == 6
        assert not reminder_notifications().exists()
        assert services.monitoring_sweep().reminders_delivered == 6
        assert reminder_notifications().count() == 8

    def test_one_undeliverable_reminder_does_not_hold_up_the_others(self, wards, dr_ben):
        admit(wards, dr_ben)
        services.tasks_create_due(now=timezone.now())
        services.reminders_create(now=timezone.now())
        poison = Reminder.objects.order_by("pk").last()
        bulk_create = Notification.objects.bulk_create

        def refuse_the_poison(objs, *args, **kwargs):
            if any(n.source_key == f"reminder:{poison.pk}" for n in objs):
                raise RuntimeError("undeliverable")
            return bulk_create(objs, *args, **kwargs)

        with mock.patch.object(Notification.objects, "bulk_create", refuse_the_poison):
            assert services.reminders_deliver_due() == 5
        assert list(Reminder.objects.filter(sent_at__isnull=True)) == [poison]
        assert services.reminders_deliver_due() == 1
        assert reminder_notifications().filter(source_key=f"reminder:{poison.pk}").exists()

    def test_the_e_mails_are_committed_with_the_reminders_they_tell_of(
        self, wards, dr_ben, nurse_ada, nurse_eve
    ):
        """A worker killed after the sweep committed lost 1,689 of 4,849 e-mails for good
        (issue 15): they were sent after commit and recorded nowhere. Now each one is an
        outbox row written in the sweep's own transaction, delivered by core's worker."""
        for nurse in (nurse_ada, nurse_eve):
            nurse.email = f"{nurse.username}@hospital.example"
            nurse.save()
        admit(wards, dr_ben)
        services.monitoring_sweep()  # committed; nothing after commit has run
        emailed = reminder_notifications().filter(recipient__in=[nurse_ada, nurse_eve])
        queued = OutboxMessage.objects.filter(state=DeliveryState.PENDING)
        assert sorted(queued.values_list("recipient_id", "source_key")) == sorted(
            emailed.values_list("recipient_id", "source_key")
        )
        assert len(queued) == 4 and mail.outbox == []
        assert outbox_deliver_due().sent == 4
        assert services.reminders_deliver_due() == 0
        assert OutboxMessage.objects.count() == 4 and len(mail.outbox) == 4


class TestWhatIsSent:
    def test_each_reminder_goes_to_its_wards_active_nurses_else_the_clinician(
        self, wards, dr_ben, nurse_ada, nurse_eve, nurse_dan, django_capture_on_commit_callbacks
    ):
        nurse_ada.email = "ada@hospital.example"
        nurse_ada.save()
        on_7a, on_7b, on_7c = admit(wards, dr_ben)
        with django_capture_on_commit_callbacks(execute=True):
            services.monitoring_sweep()
        for course, recipients in (
            (on_7a, {nurse_ada, nurse_eve}),
            (on_7b, {nurse_dan}),
            (on_7c, {dr_ben}),
        ):
            patient = course.patient
            for reminder in Reminder.objects.filter(task__course=course):
                sent = Notification.objects.filter(source_key=f"reminder:{reminder.pk}")
                assert {n.recipient for n in sent} == recipients
                assert {n.link for n in sent} == {reverse("monitoring:assess", args=[course.pk])}
                assert {n.subject for n in sent} == {
                    f"Due soon: {reminder.task.get_kind_display()} for "
                    f"{patient.display_name} {patient.mrn} at 09:00"
                }
        # Only Ada has an address: her two reminders, by e-mail, once the sweep committed.
        # The subject names no patient; the body carries the in-app line and an absolute link.
        outbox_deliver_due()
        assert [m.subject for m in mail.outbox] == [
            "[CAR-T] Due soon: a monitoring task on your ward"
        ] * 2
        assert len(mail.outbox) == 2 and {m.to[0] for m in mail.outbox} == {nurse_ada.email}
        assert sorted(m.body.split("\n\n")[0] for m in mail.outbox) == sorted(
            n.subject for n in Notification.objects.filter(recipient=nurse_ada)
        )
        link = settings.SITE_URL + reverse("monitoring:assess", args=[on_7a.pk])
        assert mail.outbox[0].body.endswith(f"Open in the CAR-T workflow: {link}")

    def test_overdue_reminders_say_so(self, wards, dr_ben, nurse_dan, frozen):
        admit(wards, dr_ben)
        services.monitoring_sweep()
        frozen.shift(timedelta(minutes=20))
        assert services.monitoring_sweep().reminders_delivered == 6
        overdue = Notification.objects.filter(recipient=nurse_dan, subject__startswith="OVERDUE")
        assert sorted(n.subject.split(":")[1].split(" for ")[0].strip() for n in overdue) == [
            "ICE / neurological assessment",
            "Vital signs and CRS",
        ]
        assert all(n.subject.endswith("(due 09:00)") for n in overdue)

    def test_a_task_done_before_its_reminder_went_out_needs_none(self, wards, dr_ben):
        admit(wards, dr_ben)
        services.tasks_create_due(now=timezone.now())
        services.reminders_create(now=timezone.now())
        done = MonitoringTask.objects.order_by("pk").first()
        MonitoringTask.objects.filter(pk=done.pk).audited_update(done_at=timezone.now())
        assert services.reminders_deliver_due() == 6
        assert (
            not reminder_notifications()
            .filter(source_key__in=[f"reminder:{r.pk}" for r in done.reminders.all()])
            .exists()
        )
        assert not Reminder.objects.filter(sent_at__isnull=True).exists()

    def test_a_cause_already_notified_is_not_notified_again(
        self, wards, dr_ben, nurse_ada, nurse_eve, django_capture_on_commit_callbacks
    ):
        nurse_ada.email = "ada@hospital.example"
        nurse_ada.save()
        on_7a, _, _ = admit(wards, dr_ben)
        services.tasks_create_due(now=timezone.now())
        services.reminders_create(now=timezone.now())
        reminder = Reminder.objects.filter(task__course=on_7a).order_by("pk").first()
        Notification.objects.create(
            recipient=nurse_ada, subject="earlier", source_key=f"reminder:{reminder.pk}"
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert services.reminders_deliver_due() == 6
        sent = Notification.objects.filter(source_key=f"reminder:{reminder.pk}")
        assert sorted((n.recipient.username, n.subject == "earlier") for n in sent) == [
            ("ada", True),
            ("eve", False),
        ]
        outbox_deliver_due()
        assert len(mail.outbox) == 1  # Ada's other reminder only


def test_a_chinese_nurse_reads_her_reminders_in_chinese(
    wards, dr_ben, nurse_ada, nurse_eve, django_capture_on_commit_callbacks
):
    nurse_ada.language = "zh-hans"
    nurse_ada.email = "ada@hospital.example"
    nurse_ada.save()
    admit(wards, dr_ben)
    with django_capture_on_commit_callbacks(execute=True):
        services.monitoring_sweep()

    assert all(
        n.subject.startswith("即将到期：") for n in Notification.objects.filter(recipient=nurse_ada)
    )
    assert all(
        n.subject.startswith("Due soon: ") for n in Notification.objects.filter(recipient=nurse_eve)
    )
    outbox_deliver_due()
    assert {m.subject for m in mail.outbox} == {"[CAR-T] 即将到期：您病区的一项监测任务"}
    assert all("在 CAR-T 工作流中打开：" in m.body for m in mail.outbox)
