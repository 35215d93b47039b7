from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils.translation import override

from core.models import DeliveryState, OutboxMessage
from core.services import outbox_deliver_due
from followup import selectors, services, tasks
from followup.models import (
    Discharge,
    FollowUpVisit,
    Infection,
    ScheduledVisit,
    VisitReminder,
)
from patients import services as patient_services
from tests.factories import product
from tests.followup.conftest import infuse

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


def states(course):
    return dict(ScheduledVisit.objects.filter(course=course).values_list("code", "visit_state"))


class TestScheduleAtInfusion:
    def test_reaching_infusion_lays_out_nineteen_visits(self, infused_7a):
        visits = list(ScheduledVisit.objects.filter(course=infused_7a))
        assert len(visits) == 19
        assert visits[0].code == "d14" and visits[0].target_date == date(2026, 3, 16)
        assert visits[-1].code == "y15" and visits[-1].target_date == date(2041, 3, 2)
        assert {v.day0_date for v in visits} == {DAY0}

    def test_a_nurse_recording_the_infusion_also_gets_the_schedule(
        self, patient_7a, dr_ben, nurse_ada
    ):
        course = infuse(patient_7a, dr_ben, DAY0, by=nurse_ada)
        assert ScheduledVisit.objects.filter(course=course).count() == 19
        assert (
            ScheduledVisit.objects.filter(course=course).first().history.first().history_user
            == nurse_ada
        )

    def test_the_cibmtr_4100_setting_lays_out_the_registry_windows(
        self, patient_7a, dr_ben, settings
    ):
        """CIBMTR form 4100 plan (issue 16 item 12): 1-year contact from Day 365, annual ±30."""
        settings.FOLLOWUP_VISIT_PLAN = "cibmtr_4100"
        course = infuse(patient_7a, dr_ben, DAY0)
        visits = {v.code: v for v in ScheduledVisit.objects.filter(course=course)}
        assert list(visits)[:3] == ["d100", "m6", "d365"] and len(visits) == 17
        assert visits["d365"].window_start == date(2027, 3, 2)
        assert visits["d365"].label == "Day 365 (Year 1)"
        assert (visits["y2"].window_end - visits["y2"].target_date).days == 30

    def test_switching_plan_cancels_only_planned_visits_of_the_old_plan(self, infused_7a, settings):
        settings.FOLLOWUP_VISIT_PLAN = "cibmtr_4100"
        assert services.schedule_generate(course=infused_7a)["created"] == 1  # d365
        after = states(infused_7a)
        assert after["d14"] == after["m12"] == "cancelled"
        assert after["d365"] == after["d100"] == "planned"

    def test_generating_again_changes_nothing(self, infused_7a):
        assert services.schedule_generate(course=infused_7a) == {"created": 0, "moved": 0}
        assert ScheduledVisit.objects.filter(course=infused_7a).count() == 19

    def test_a_day0_correction_moves_only_visits_not_done(self, infused_7a, dr_ben, nurse_ada):
        services.visit_record(
            by=nurse_ada,
            course=infused_7a,
            scheduled_visit=ScheduledVisit.objects.get(course=infused_7a, code="d14"),
            visit_date=date(2026, 3, 16),
        )
        # Day 0 was typed one day early; the correction (a patients service to come)
        # changes the course, then asks follow-up to re-align.
        type(infused_7a).objects.filter(pk=infused_7a.pk).audited_update(day0_date=date(2026, 3, 3))
        infused_7a.refresh_from_db()
        assert selectors.schedule_out_of_date(infused_7a)
        result = services.schedule_realign(by=dr_ben, course=infused_7a)
        assert result == {"created": 0, "moved": 18}
        d14 = ScheduledVisit.objects.get(course=infused_7a, code="d14")
        assert d14.target_date == date(2026, 3, 16) and d14.day0_date == DAY0
        assert ScheduledVisit.objects.get(course=infused_7a, code="m6").target_date == date(
            2026, 9, 3
        )
        assert not selectors.schedule_out_of_date(infused_7a)

    def test_realign_is_refused_to_readers(self, infused_7a, auditor_cara, nurse_dan):
        for user in (auditor_cara, nurse_dan):
            with pytest.raises(PermissionDenied):
                services.schedule_realign(by=user, course=infused_7a)

    def test_a_course_not_infused_has_no_schedule(self, patient_7a, dr_ben):
        course = patient_services.course_open(by=dr_ben, patient=patient_7a, product=product())
        with pytest.raises(ValidationError, match="not been infused"):
            services.schedule_realign(by=dr_ben, course=course)


class TestDischarge:
    def fields(self, **overrides):
        data = dict(
            discharge_date=date(2026, 3, 20),
            caregiver_name="Liu Jian",
            caregiver_relationship="son",
            caregiver_phone="+86 138 0000 0000",
            centre_phone="+86 23 6889 0000",
        )
        data.update(overrides)
        return data

    def test_nurse_records_discharge_with_label_restrictions(self, infused_7a, nurse_ada):
        discharge = services.discharge_record(by=nurse_ada, course=infused_7a, **self.fields())
        assert discharge.stay_near_centre_until == date(2026, 3, 16)
        assert discharge.no_driving_until == date(2026, 3, 16)
        assert discharge.version == 1 and discharge.history.first().history_user == nurse_ada

    def test_restrictions_ending_today_are_announced_once(
        self, infused_7a, nurse_ada, dr_ben, nurse_dan
    ):
        from core.models import Notification

        services.discharge_record(by=nurse_ada, course=infused_7a, **self.fields())
        assert services.restriction_endings_notify(today=date(2026, 3, 15)) == 0
        assert services.restriction_endings_notify(today=date(2026, 3, 16)) == 2
        assert services.restriction_endings_notify(today=date(2026, 3, 16)) == 0
        notes = Notification.objects.filter(subject__startswith="Restrictions end today")
        assert {n.recipient for n in notes} == {dr_ben, nurse_ada}
        assert "no driving" in notes.first().subject

    def test_the_product_label_sets_the_dates(self, infused_7a, nurse_ada):
        from catalogue.models import ProductLabel

        ProductLabel.objects.filter(product=product("axi-cel")).update(
            proximity_restriction_weeks=4, driving_restriction_weeks=8, source="2019 SOP"
        )
        discharge = services.discharge_record(by=nurse_ada, course=infused_7a, **self.fields())
        assert (discharge.stay_near_centre_until, discharge.no_driving_until) == (
            date(2026, 3, 30),
            date(2026, 4, 27),
        )
        assert discharge.restriction_source == "2019 SOP"

    def test_correction_needs_the_version_read(self, infused_7a, nurse_ada, dr_ben):
        first = services.discharge_record(by=nurse_ada, course=infused_7a, **self.fields())
        services.discharge_record(
            by=dr_ben,
            course=infused_7a,
            expected_version=first.version,
            **self.fields(caregiver_name="Liu Mei"),
        )
        with pytest.raises(ValidationError, match="changed by Ben Li"):
            services.discharge_record(
                by=nurse_ada,
                course=infused_7a,
                expected_version=first.version,
                **self.fields(caregiver_name="Someone else"),
            )
        assert Discharge.objects.get().caregiver_name == "Liu Mei"

    @pytest.mark.parametrize(
        ("when", "message"),
        [(date(2026, 3, 1), "before the infusion"), (date(2026, 6, 16), "future")],
    )
    def test_bad_dates_are_refused(self, infused_7a, nurse_ada, when, message):
        with pytest.raises(ValidationError, match=message):
            services.discharge_record(
                by=nurse_ada, course=infused_7a, **self.fields(discharge_date=when)
            )
        assert not Discharge.objects.exists()

    @pytest.mark.parametrize("who", ["other_nurse", "auditor", "pharmacist", "administrator"])
    def test_others_may_not_record(self, infused_7a, personas, who):
        with pytest.raises(PermissionDenied):
            services.discharge_record(by=personas[who], course=infused_7a, **self.fields())


class TestVisitRecord:
    def d(self, course, code):
        return ScheduledVisit.objects.get(course=course, code=code)

    def test_cr_with_deauville_4_needs_confirmation_and_reason(self, infused_7a, dr_ben):
        """Lugano 2014: CR is Deauville 1–3; 4–5 only with an explicit confirmation and reason."""
        record = {
            "by": dr_ben,
            "course": infused_7a,
            "visit_date": date(2026, 6, 10),
            "lugano_response": "CR",
            "imaging_method": "pet_ct",
            "deauville_score": 4,
        }
        with pytest.raises(ValidationError) as refused:
            services.visit_record(**record)
        assert "Deauville 4 is not a complete metabolic response" in str(refused.value)
        assert {"cr_deauville_confirmed", "cr_deauville_reason"} <= set(refused.value.message_dict)
        with pytest.raises(ValidationError):
            services.visit_record(**record, cr_deauville_confirmed=True)
        assert not FollowUpVisit.objects.filter(course=infused_7a).exists()
        visit = services.visit_record(
            **record,
            cr_deauville_confirmed=True,
            cr_deauville_reason="Residual uptake at a biopsy-proven inflammatory site.",
        )
        assert visit.cr_deauville_confirmed and visit.lugano_response == "CR"

    def test_the_database_refuses_an_unconfirmed_cr_with_deauville_5(self, infused_7a, dr_ben):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            FollowUpVisit.objects.create(
                course=infused_7a,
                visit_date=date(2026, 6, 10),
                lugano_response="CR",
                imaging_method="pet_ct",
                deauville_score=5,
                recorded_by=dr_ben,
            )

    def test_nurse_records_day28_with_labs_infection_and_late_event(self, infused_7a, nurse_ada):
        visit = services.visit_record(
            by=nurse_ada,
            course=infused_7a,
            scheduled_visit=self.d(infused_7a, "d28"),
            visit_date=date(2026, 3, 30),
            lugano_response="PR",
            imaging_method="pet_ct",
            deauville_score=4,
            neutrophils_10e9_l="0.8",
            platelets_10e9_l=45,
            igg_g_l="3.2",
            b_cells_per_ul=0,
            car_t_persistence="detected",
            cytopenia_grade=3,
            ivig_given=True,
            infections=[
                {
                    "infection_site": "lower_respiratory",
                    "organism_type": "viral",
                    "organism": "RSV",
                    "infection_grade": 3,
                    "onset_date": date(2026, 3, 25),
                }
            ],
            adverse_events=[
                {
                    "event_category": "hypogammaglobulinaemia",
                    "term": "Hypogammaglobulinaemia",
                    "event_grade": 2,
                }
            ],
        )
        assert visit.scheduled_visit.visit_state == "done"
        assert Infection.objects.get(visit=visit).organism == "RSV"
        assert visit.adverse_events.get().event_grade == 2
        assert selectors.course_outcome(infused_7a).best_response == "PR"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"visit_date": date(2026, 6, 16)}, "visit_date"),
            ({"visit_date": date(2026, 3, 1)}, "visit_date"),
            ({"lugano_response": "CR"}, "imaging_method"),
            ({"deauville_score": 3, "imaging_method": "ct"}, "deauville_score"),
            ({"vital_status": "dead"}, "death_date"),
            ({"vital_status": "dead", "death_date": date(2026, 3, 29)}, "death_cause"),
            ({"death_cause": "infection"}, "vital_status"),
            ({"platelets_10e9_l": 5000}, "platelets_10e9_l"),
            (
                {
                    "infections": [
                        {
                            "infection_site": "nowhere",
                            "organism_type": "viral",
                            "infection_grade": 2,
                        }
                    ]
                },
                "infections",
            ),
            (
                {
                    "therapies": [
                        {"therapy_category": "radiotherapy", "start_date": date(2026, 2, 1)}
                    ]
                },
                "therapies",
            ),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_saved(self, infused_7a, nurse_ada, fields, field):
        data = {"visit_date": date(2026, 3, 30)}
        data.update(fields)
        with pytest.raises(ValidationError) as error:
            services.visit_record(by=nurse_ada, course=infused_7a, **data)
        assert field in error.value.message_dict
        assert not FollowUpVisit.objects.exists()
        assert not Infection.objects.exists()

    def test_a_scheduled_visit_is_recorded_once(self, infused_7a, nurse_ada):
        d28 = self.d(infused_7a, "d28")
        services.visit_record(
            by=nurse_ada, course=infused_7a, scheduled_visit=d28, visit_date=date(2026, 3, 30)
        )
        with pytest.raises(ValidationError, match="already been recorded"):
            services.visit_record(
                by=nurse_ada, course=infused_7a, scheduled_visit=d28, visit_date=date(2026, 3, 31)
            )

    def test_a_visit_of_another_course_is_refused(self, infused_7a, infused_7b, dr_ben):
        with pytest.raises(ValidationError, match="another course"):
            services.visit_record(
                by=dr_ben,
                course=infused_7a,
                scheduled_visit=self.d(infused_7b, "d28"),
                visit_date=date(2026, 3, 30),
            )

    @pytest.mark.parametrize("who", ["other_nurse", "auditor", "apheresis_coordinator"])
    def test_others_may_not_record(self, infused_7a, personas, who):
        with pytest.raises(PermissionDenied):
            services.visit_record(by=personas[who], course=infused_7a, visit_date=date(2026, 3, 30))


class TestDeath:
    def test_clinician_records_death_and_the_course_becomes_deceased(self, infused_7a, dr_ben):
        services.visit_record(
            by=dr_ben,
            course=infused_7a,
            visit_date=date(2026, 3, 30),
            lugano_response="PD",
            imaging_method="ct",
        )
        services.visit_record(
            by=dr_ben,
            course=infused_7a,
            visit_date=date(2026, 5, 20),
            contact_type="records",
            vital_status="dead",
            death_date=date(2026, 5, 18),
            death_cause="progression",
            death_cause_detail="refractory LBCL",
        )
        infused_7a.refresh_from_db()
        assert infused_7a.stage == "deceased"
        event = infused_7a.stage_events.last()
        assert event.effective_date == date(2026, 5, 18)
        # The cause as its code (shown as its label in the reader's language), the details
        # as the nurse typed them (issue 17).
        assert (event.reason_text, event.reason) == (
            {
                "code": "followup.died_with_details",
                "params": {"cause": {"code": "followup.death_cause.progression", "params": {}}},
            },
            "refractory LBCL",
        )
        assert event.reason_shown == "Died: Disease progression or relapse – refractory LBCL"
        with override("zh-hans"):
            assert event.reason_shown == "死亡：疾病进展或复发 – refractory LBCL"
        # No visit is due for a patient who died.
        assert set(
            ScheduledVisit.objects.filter(
                course=infused_7a, target_date__gt=date(2026, 5, 18)
            ).values_list("visit_state", flat=True)
        ) == {"cancelled"}
        outcome = selectors.course_outcome(infused_7a)
        assert (outcome.pfs.days, outcome.os.days, outcome.os.event) == (28, 77, True)

    def test_no_visit_after_a_recorded_death(self, infused_7a, dr_ben):
        services.visit_record(
            by=dr_ben,
            course=infused_7a,
            visit_date=date(2026, 5, 20),
            vital_status="dead",
            death_date=date(2026, 5, 18),
            death_cause="infection",
        )
        with pytest.raises(ValidationError, match="no visit can follow"):
            services.visit_record(by=dr_ben, course=infused_7a, visit_date=date(2026, 6, 1))

    def test_a_death_dated_before_an_alive_visit_is_refused(self, infused_7a, dr_ben):
        services.visit_record(by=dr_ben, course=infused_7a, visit_date=date(2026, 5, 20))
        with pytest.raises(ValidationError, match="recorded alive on 2026-05-20"):
            services.visit_record(
                by=dr_ben,
                course=infused_7a,
                visit_date=date(2026, 6, 1),
                vital_status="dead",
                death_date=date(2026, 5, 1),
                death_cause="infection",
            )
        infused_7a.refresh_from_db()
        assert infused_7a.stage == "infusion"

    def test_a_nurse_records_a_death_and_a_clinician_closes_the_course(
        self, infused_7a, nurse_ada, dr_ben
    ):
        services.visit_record(
            by=nurse_ada,
            course=infused_7a,
            visit_date=date(2026, 5, 20),
            contact_type="telephone",
            vital_status="dead",
            death_date=date(2026, 5, 19),
            death_cause="infection",
        )
        infused_7a.refresh_from_db()
        # Only clinicians end a course (patients.rules); the death waits for one.
        assert infused_7a.stage == "infusion"
        assert not list(selectors.visits_overdue(nurse_ada, date(2026, 6, 15)))
        with pytest.raises(ValidationError):
            services.course_close_as_deceased(by=nurse_ada, course=infused_7a)
        services.course_close_as_deceased(by=dr_ben, course=infused_7a)
        infused_7a.refresh_from_db()
        assert infused_7a.stage == "deceased"
        event = infused_7a.stage_events.last()
        assert (event.reason_text, event.reason, event.reason_shown) == (
            {
                "code": "followup.died",
                "params": {"cause": {"code": "followup.death_cause.infection", "params": {}}},
            },
            "",
            "Died: Infection",
        )


class TestReminders:
    @pytest.fixture
    def eager(self):
        from cart_workflow.celery import app

        app.conf.task_always_eager = True
        yield
        app.conf.task_always_eager = False

    def test_sweep_twice_sends_each_reminder_once(
        self, infused_7a, nurse_ada, nurse_dan, eager, django_capture_on_commit_callbacks
    ):
        nurse_ada.email = "ada@cart.example"
        nurse_ada.save()
        nurse_dan.email = "dan@cart.example"
        nurse_dan.save()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.sweep_followup_reminders()
        # Day 14 and Day 28 overdue, Day 100 due (window open).
        kinds = sorted(VisitReminder.objects.values_list("scheduled_visit__code", "reminder_kind"))
        assert kinds == [("d100", "upcoming"), ("d14", "overdue"), ("d28", "overdue")]
        assert len(mail.outbox) == 3
        assert {tuple(m.to) for m in mail.outbox} == {("ada@cart.example",)}
        overdue = next(m for m in mail.outbox if "Day 28" in m.subject)
        assert overdue.subject == "[CAR-T] Follow-up visit overdue: Day 28"
        assert f"{settings.SITE_URL}/follow-up/courses/{infused_7a.pk}/" in overdue.body
        assert "MRN CQ7A0001" in overdue.body

        with django_capture_on_commit_callbacks(execute=True):
            tasks.sweep_followup_reminders()
        assert VisitReminder.objects.count() == 3
        assert len(mail.outbox) == 3

    def test_a_claimed_reminder_is_not_sent_again(self, infused_7a, nurse_ada):
        nurse_ada.email = "ada@cart.example"
        nurse_ada.save()
        services.reminders_sweep()
        reminder = VisitReminder.objects.first()
        assert services.reminder_send(reminder_id=reminder.pk) is True
        assert services.reminder_send(reminder_id=reminder.pk) is False
        outbox_deliver_due()
        assert len(mail.outbox) == 1
        reminder.refresh_from_db()
        assert reminder.recipients == "ada@cart.example"

    def test_a_visit_done_before_sending_is_skipped(self, infused_7a, nurse_ada):
        services.reminders_sweep()
        services.visit_record(
            by=nurse_ada,
            course=infused_7a,
            scheduled_visit=ScheduledVisit.objects.get(course=infused_7a, code="d100"),
            visit_date=date(2026, 6, 12),
        )
        reminder = VisitReminder.objects.get(scheduled_visit__code="d100")
        assert services.reminder_send(reminder_id=reminder.pk) is False
        reminder.refresh_from_db()
        assert reminder.skipped and reminder.sent_at is not None

    def test_a_failure_after_the_e_mail_is_written_sends_it_once(
        self, infused_7a, nurse_ada, monkeypatch
    ):
        """Sending inside the claim sent 13 e-mails for 9 reminders (issue 15): the e-mail went
        out, the transaction then failed, and the reminder was claimed and e-mailed again. The
        e-mail is an outbox row of the claim's transaction now, rolled back with it."""
        nurse_ada.email = "ada@cart.example"
        nurse_ada.save()
        services.reminders_sweep()
        reminder = VisitReminder.objects.first()
        save = VisitReminder.save
        failures = []

        def fails_once(self, *args, **kwargs):
            if kwargs.get("update_fields") == ["recipients"] and not failures:
                failures.append(self.pk)
                raise DatabaseError("connection lost")
            return save(self, *args, **kwargs)

        monkeypatch.setattr(VisitReminder, "save", fails_once)
        with pytest.raises(DatabaseError):
            services.reminder_send(reminder_id=reminder.pk)
        reminder.refresh_from_db()
        assert reminder.sent_at is None
        assert services.reminder_send(reminder_id=reminder.pk) is True
        outbox_deliver_due()
        assert [m.to for m in mail.outbox] == [["ada@cart.example"]]

    def test_a_refused_e_mail_is_retried_by_the_outbox_the_reminder_stays_sent(
        self, infused_7a, nurse_ada, monkeypatch
    ):
        nurse_ada.email = "ada@cart.example"
        nurse_ada.save()
        services.reminders_sweep()
        reminder = VisitReminder.objects.first()
        assert services.reminder_send(reminder_id=reminder.pk) is True

        def refused(self, fail_silently=False):
            raise OSError("mail server down")

        monkeypatch.setattr(mail.EmailMessage, "send", refused)
        assert outbox_deliver_due().retried == 1
        row = OutboxMessage.objects.get(source_key=f"visit-reminder:{reminder.pk}")
        assert row.state == DeliveryState.PENDING and row.last_error.startswith("OSError")
        assert services.reminder_send(reminder_id=reminder.pk) is False


class TestCourseEnds:
    def test_ending_the_course_cancels_the_visits_not_done(self, infused_7a, dr_ben, nurse_ada):
        services.visit_record(
            by=nurse_ada,
            course=infused_7a,
            scheduled_visit=ScheduledVisit.objects.get(course=infused_7a, code="d14"),
            visit_date=date(2026, 3, 16),
        )
        patient_services.course_change_stage(
            by=dr_ben,
            course=infused_7a,
            to_stage="withdrawn",
            reason="Moved abroad; follow-up by the local centre.",
        )
        assert states(infused_7a)["d14"] == "done"
        cancelled = ScheduledVisit.objects.filter(course=infused_7a, visit_state="cancelled")
        assert cancelled.count() == 18
        assert cancelled.first().cancel_reason == (
            "Course ended (Withdrawn) on 2026-06-15. Moved abroad; follow-up by the local centre."
        )
        assert not list(selectors.visits_overdue(dr_ben, date(2026, 6, 15)))
