"""The clinical history of a generated course: monitoring (assessments, tasks, escalations,
tocilizumab) and follow-up (discharge, the 15-year schedule, visits). A part of
bench/generator.py's _Generator, kept apart to keep each module short."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cache

from core import system_text
from followup import schedule as visit_plan
from followup.models import Discharge, FollowUpVisit, ScheduledVisit
from monitoring import grading
from monitoring.models import Assessment, Escalation, Intervention, MonitoringTask
from patients.models import Stage

ASSESSMENT_EVERY = timedelta(hours=4)  # six a day (vital signs, grade 0 schedule)
NEURO_EVERY_NTH = 3  # ICE every 12 h


class ClinicalHistory:
    """Methods of _Generator (bench/generator.py): they use its rng, tables and clock."""

    def _monitoring(self, course_id, infused_at, until, weight, clinician_id, *, open_tasks):
        """Assessments every 4 h (ICE every 12 h) from an hour after infusion to ``until``,
        with the tasks they answered, escalations at each rise and tocilizumab for CRS 2."""
        rng = self.rng
        profile = rng.random()
        crs_days = (1, 2, 3) if profile < 0.4 else ()
        crs2_day = 2 if profile < 0.1 else None
        icans_days = (4, 5) if 0.85 < profile < 0.95 else ()
        assessments, tasks, escalations = (
            self.t(Assessment),
            self.t(MonitoringTask),
            self.t(Escalation),
        )
        moment = infused_at + timedelta(hours=1)
        previous = (0, 0)
        last_vitals = last_neuro = None
        last_escalated_at = None
        tocilizumab_given = False
        j = 0
        while moment <= until:
            day = (moment - infused_at).days
            neuro = j % NEURO_EVERY_NTH == 0
            fever = day in crs_days
            hypotension = day == crs2_day and not tocilizumab_given
            temp = Decimal(rng.randint(380, 394) if fever else rng.randint(362, 374)) / 10
            crs, crs_reason, crs_findings = _crs(float(temp), hypotension)
            ice = 8 if day in icans_days else 10
            icans, icans_reason, icans_findings = _icans(ice) if neuro else (None, "", [])
            nurse_id = self.nurse.pk
            pk = assessments.add(
                course_id=course_id,
                assessed_at=moment,
                recorded_by_id=nurse_id,
                recorded_at=moment + timedelta(minutes=3),
                temperature_c=temp,
                heart_rate_bpm=rng.randint(60, 110) + (20 if fever else 0),
                systolic_bp_mmhg=85 if hypotension else rng.randint(105, 140),
                diastolic_bp_mmhg=50 if hypotension else rng.randint(60, 85),
                spo2_percent=rng.randint(94, 99),
                respiratory_rate_per_min=rng.randint(12, 20),
                hypotension=hypotension,
                neuro_assessed=neuro,
                ice_orientation=(4 if ice == 10 else 3) if neuro else None,
                ice_naming=3 if neuro else None,
                ice_commands=1 if neuro else None,
                ice_writing=(1 if ice == 10 else 0) if neuro else None,
                ice_attention=1 if neuro else None,
                ice_score=ice if neuro else None,
                consciousness="alert" if neuro else "",
                crs_grade=crs,
                crs_reason=crs_reason,
                crs_findings=crs_findings,
                icans_grade=icans,
                icans_reason=icans_reason,
                icans_findings=icans_findings,
            )
            tasks.add(
                course_id=course_id,
                kind="vitals",
                due_at=moment if last_vitals is None else last_vitals + ASSESSMENT_EVERY,
                created_at=moment - timedelta(hours=4),
                done_at=moment,
                done_by_assessment_id=pk,
            )
            last_vitals = moment
            if neuro:
                tasks.add(
                    course_id=course_id,
                    kind="neuro",
                    due_at=moment if last_neuro is None else last_neuro + timedelta(hours=12),
                    created_at=moment - timedelta(hours=12),
                    done_at=moment,
                    done_by_assessment_id=pk,
                )
                last_neuro = moment
            rose = crs > previous[0] or (icans or 0) > previous[1]
            sustained = max(crs, icans or 0) >= 2 and (
                last_escalated_at is None or moment - last_escalated_at >= timedelta(hours=12)
            )
            if rose or sustained:
                fresh = until - moment < timedelta(hours=2) and open_tasks
                escalations.add(
                    course_id=course_id,
                    assessment_id=pk,
                    reason=f"CRS grade {crs} (was {previous[0]})"[:300],
                    created_at=moment + timedelta(minutes=3),
                    notified_at=moment + timedelta(minutes=4),
                    acknowledged_by_id=None if fresh else clinician_id,
                    acknowledged_at=None if fresh else moment + timedelta(minutes=40),
                    acknowledgement_note="" if fresh else "Reviewed at the bedside.",
                )
                last_escalated_at = moment
            if hypotension and not tocilizumab_given:
                self.t(Intervention).add(
                    course_id=course_id,
                    assessment_id=pk,
                    kind="tocilizumab",
                    given_at=moment + timedelta(minutes=30),
                    drug="tocilizumab",
                    dose_mg=min(Decimal(800), (weight * 8).quantize(Decimal("0.1"))),
                    route="IV",
                    recorded_by_id=nurse_id,
                    recorded_at=moment + timedelta(minutes=35),
                )
                tocilizumab_given = True
            previous = (crs, icans if icans is not None else previous[1])
            moment += ASSESSMENT_EVERY + timedelta(minutes=rng.randint(-10, 10))
            j += 1
        if open_tasks and last_vitals is not None:
            interval = timedelta(
                hours=4 if max(previous) == 0 else (2 if max(previous) == 1 else 1)
            )
            tasks.add(
                course_id=course_id,
                kind="vitals",
                due_at=last_vitals + interval,
                created_at=last_vitals,
            )
            tasks.add(
                course_id=course_id,
                kind="neuro",
                due_at=last_neuro + timedelta(hours=12),
                created_at=last_neuro,
            )

    def _followup(self, course_id, day0, stage, end, clinician_id) -> None:
        """Discharge, the 15-year schedule (followup.schedule), and a record of each visit
        done; visits after the course ended are cancelled, as schedule_close does."""
        rng = self.rng
        discharged = day0 + timedelta(days=14)
        self.t(Discharge).add(
            course_id=course_id,
            discharge_date=discharged,
            stay_near_centre_days=14,
            no_driving_days=14,
            stay_near_centre_until=discharged + timedelta(days=14),
            no_driving_until=discharged + timedelta(days=14),
            restriction_source="US label (June 2025)",
            caregiver_name="Caregiver",
            caregiver_phone="+86 23 0000 0000",
            centre_phone="+86 23 1111 1111",
            recorded_by_id=clinician_id,
            recorded_at=self._moment(discharged, 15),
            updated_at=self._moment(discharged, 15),
        )
        visits, records = self.t(ScheduledVisit), self.t(FollowUpVisit)
        for planned in visit_plan.visit_schedule(day0=day0):
            if end is not None:
                ended, done = planned.target_date > end, planned.target_date <= end
            else:
                ended, done = False, planned.window_end < self.today
            state = "cancelled" if ended else ("done" if done else "planned")
            pk = visits.add(
                course_id=course_id,
                code=planned.code,
                sequence=planned.sequence,
                target_date=planned.target_date,
                window_start=planned.window_start,
                window_end=planned.window_end,
                day0_date=day0,
                visit_state=state,
                cancel_reason=f"Course ended ({stage}) on {end}." if ended else "",
            )
            if done:
                records.add(
                    course_id=course_id,
                    scheduled_visit_id=pk,
                    visit_date=planned.target_date,
                    contact_type="clinic" if planned.contact == visit_plan.VISIT else "telephone",
                    lugano_response=rng.choice(("CR", "CR", "CR", "PR", "SD")),
                    imaging_method="pet_ct",
                    haemoglobin_g_dl=Decimal(rng.randint(95, 150)) / 10,
                    platelets_10e9_l=rng.randint(80, 350),
                    recorded_by_id=clinician_id,
                    recorded_at=self._moment(planned.target_date, 16),
                )
        if stage == Stage.DECEASED:
            records.add(
                course_id=course_id,
                visit_date=end,
                contact_type="records",
                vital_status="dead",
                death_date=end,
                death_cause="progression",
                recorded_by_id=clinician_id,
                recorded_at=self._moment(end, 16),
            )


def _said(result: grading.GradeResult) -> tuple[int, str, list[dict]]:
    # As monitoring's service stores them: English reason for the exports, codes for the pages.
    findings = [finding.as_json() for finding in result.reasons]
    return result.grade, system_text.english(findings)[:300], findings


@cache
def _crs(temperature_c: float, hypotension: bool) -> tuple[int, str, list[dict]]:
    result = grading.grade_crs_with_reason(
        temperature_c=temperature_c,
        fever_masked=False,
        hypotension=hypotension,
        vasopressors=[],
        oxygen_device="room_air",
        oxygen_flow_l_min=None,
    )
    return _said(result)


@cache
def _icans(ice_score: int) -> tuple[int, str, list[dict]]:
    result = grading.grade_icans_with_reason(
        age_years=40,
        ice_score=ice_score,
        capd_score=None,
        consciousness="alert",
        seizure="none",
        motor_weakness="none",
        cerebral_edema="none",
    )
    return _said(result)
