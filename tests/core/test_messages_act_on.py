"""Messages people can act on: each recipient reads hers in her own language, with an
absolute link from SITE_URL, and no e-mail subject names the patient (surname or MRN)."""

from datetime import date

import pytest
from django.core import mail

from core.models import Notification
from core.services import notification_send, outbox_deliver_due
from followup import services as followup_services
from followup.models import VisitReminder
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

SITE = "https://cart.hospital.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def chinese_ada(nurse_ada):
    nurse_ada.language = "zh-hans"
    nurse_ada.email = "ada@hospital.example"
    nurse_ada.save()
    return nurse_ada


@pytest.fixture
def english_ben(dr_ben):
    dr_ben.email = "ben@hospital.example"
    dr_ben.save()
    return dr_ben


def test_an_e_mail_carries_an_absolute_link_and_a_subject_in_her_language(
    chinese_ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipient=chinese_ada, subject="x", link="/monitoring/courses/7/", source_key="t:1"
        )
    outbox_deliver_due()

    (message,) = mail.outbox
    assert message.subject == "[CAR-T] 新消息"
    assert f"{SITE}/monitoring/courses/7/" in message.body
    assert Notification.objects.get(source_key="t:1").link == "/monitoring/courses/7/"


def test_restriction_endings_are_written_for_each_reader(
    chinese_ada, english_ben, ward_7a, django_capture_on_commit_callbacks
):
    from tests.followup.conftest import infuse

    patient = PatientFactory(
        mrn="CQ7A0099",
        family_name="宋",
        given_name="玲",
        ward=ward_7a,
        attending_clinician=english_ben,
    )
    course = infuse(patient, english_ben, date(2026, 3, 2))
    followup_services.discharge_record(
        by=chinese_ada,
        course=course,
        discharge_date=date(2026, 3, 20),
        caregiver_name="宋健",
        caregiver_relationship="son",
        caregiver_phone="+86 138 0000 0000",
        centre_phone="+86 23 6889 0000",
    )
    discharge = course.discharge
    with django_capture_on_commit_callbacks(execute=True):
        assert followup_services.restriction_endings_notify(today=discharge.no_driving_until) == 2
    outbox_deliver_due()

    in_app = {n.recipient: n.subject for n in Notification.objects.all()}
    assert in_app[chinese_ada].startswith("宋玲 CQ7A0099 的限制今日结束")
    assert in_app[english_ben].startswith("Restrictions end today for 宋玲 CQ7A0099")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "ada@hospital.example": "[CAR-T] 您的一位患者的限制今日结束",
        "ben@hospital.example": "[CAR-T] Restrictions end today for a patient of yours",
    }
    for message in mail.outbox:
        assert "宋" not in message.subject and "CQ7A0099" not in message.subject
        assert f"{SITE}/follow-up/courses/{course.pk}/" in message.body


def test_a_follow_up_reminder_goes_out_once_per_reader_in_her_language(
    chinese_ada, nurse_eve, english_ben, patient_7a
):
    from tests.followup.conftest import infuse

    nurse_eve.email = "eve@hospital.example"
    nurse_eve.save()
    course = infuse(patient_7a, english_ben, date(2026, 3, 2))
    followup_services.reminders_sweep(today=date(2026, 4, 10))
    reminder = VisitReminder.objects.filter(scheduled_visit__code="d28").get()

    assert followup_services.reminder_send(reminder_id=reminder.pk)
    outbox_deliver_due()

    by_reader = {tuple(m.to): m for m in mail.outbox}
    assert set(by_reader) == {("ada@hospital.example",), ("eve@hospital.example",)}
    assert by_reader[("ada@hospital.example",)].subject.startswith("[CAR-T] 随访逾期")
    assert by_reader[("eve@hospital.example",)].subject.startswith(
        "[CAR-T] Follow-up visit overdue"
    )
    for message in mail.outbox:
        assert "CQ7A0001" not in message.subject and "Liu" not in message.subject
        assert f"{SITE}/follow-up/courses/{course.pk}/" in message.body
