"""Realistic data at hospital scale, fast: ``generate(courses=N)``.

N treatment courses over every stage, one patient each, as a centre (or a network of centres)
holds after years of work: most courses are old and in follow-up, completed or ended; a few
are under way in each stage before infusion; one ward (the bench ward) has about 30 patients
in the monitoring window, whatever N is, so the nurses' Today list shows the same rows at
every size while the history behind it grows.

Every course has its stage timeline; screened courses a screening; infused courses about six
assessments a day for 30 days (or up to now), graded by monitoring.grading, with the tasks
they answered, escalations at every rise, tocilizumab for CRS grade 2, a discharge and the
15-year follow-up schedule (followup.schedule), with visit records for visits done.
Apheresis collections come from one function, ``_apheresis``, used only when the apheresis app
has migrated tables.

Rows are inserted with COPY (PostgreSQL) or bulk_create (SQLite), bypassing the services and
their history rows: benchmark data only, never a clinical database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from catalogue.models import CarTProduct
from core.models import User, Ward
from core.roles import Role
from eligibility.models import ScreeningAssessment
from followup.models import Discharge, FollowUpVisit, ScheduledVisit
from monitoring.models import Assessment, Escalation, Intervention, MonitoringTask
from patients.models import Patient, Stage, StageEvent, TreatmentCourse

from .history import ClinicalHistory
from .tables import Table

MONITORED_ON_BENCH_WARD = 30
HISTORY_MONITORING_DAYS = 30
YEARS_OF_HISTORY = 15
PATIENTS_PER_WARD = 400

FAMILY_NAMES = (
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo "
    "Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Yuan Pan Cai Jiang "
    "Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Lu Jiang Cui Zhong Tan Lu Wang Fan Jin Shi "
    "Liao Jia Xia Wei Fu Fang Bai Zou Meng Xiong Qin Qiu Jiang Yin Xue Yan Duan Lei Hou Long "
    "Shi Tao Li He Gu Mao Hao Gong Shao Wan Qian Yan Qin Wu Dai Smith Garcia Muller Rossi"
).split()
GIVEN_NAMES = (
    "Wei Fang Min Jing Li Qiang Lei Jun Yang Yong Yan Jie Juan Tao Ming Chao Xiu Xia Ping "
    "Gang Hua Hui Hong Ying Bo Lan Ning Rui Xin Yu Anna Maria John Peter Sara Omar"
).split()

# Where a course stands, as fractions of the courses that are not the bench ward's monitored
# patients (institutional mix: years of history, a few courses under way in each stage).
STAGE_MIX = (
    (Stage.REFERRED, 0.02),
    (Stage.SCREENING, 0.02),
    (Stage.ELIGIBLE, 0.01),
    (Stage.NOT_ELIGIBLE, 0.02),
    (Stage.CONSENTED, 0.01),
    (Stage.APHERESIS, 0.01),
    (Stage.MANUFACTURING, 0.02),
    (Stage.BRIDGING, 0.01),
    (Stage.LYMPHODEPLETION, 0.01),
    (Stage.INFUSION, 0.005),
    (Stage.MONITORING, 0.01),
    (Stage.FOLLOW_UP, 0.40),
    (Stage.COMPLETED, 0.245),
    (Stage.WITHDRAWN, 0.07),
    (Stage.DECEASED, 0.15),
)
PATH = (
    Stage.REFERRED,
    Stage.SCREENING,
    Stage.ELIGIBLE,
    Stage.CONSENTED,
    Stage.APHERESIS,
    Stage.MANUFACTURING,
    Stage.LYMPHODEPLETION,
    Stage.INFUSION,
    Stage.MONITORING,
    Stage.FOLLOW_UP,
)
# Days before Day 0 of each step of the path (institutional timing, roughly).
DAYS_BEFORE_DAY0 = {
    Stage.REFERRED: 60,
    Stage.SCREENING: 55,
    Stage.ELIGIBLE: 45,
    Stage.NOT_ELIGIBLE: 45,
    Stage.CONSENTED: 40,
    Stage.APHERESIS: 35,
    Stage.MANUFACTURING: 34,
    Stage.BRIDGING: 20,
    Stage.LYMPHODEPLETION: 5,
    Stage.INFUSION: 0,
    Stage.MONITORING: 0,
}
INFUSED = frozenset(
    {Stage.INFUSION, Stage.MONITORING, Stage.FOLLOW_UP, Stage.COMPLETED, Stage.DECEASED}
)
# Stages in which a course has a planned Day 0.
PLANNING_STAGES = frozenset(
    {Stage.CONSENTED, Stage.APHERESIS, Stage.MANUFACTURING, Stage.BRIDGING, Stage.LYMPHODEPLETION}
)
PRODUCT_DIAGNOSES = {
    "axi-cel": ("LBCL", "FL"),
    "tisa-cel": ("LBCL", "FL"),
    "liso-cel": ("LBCL", "CLL/SLL", "FL"),
    "relma-cel": ("LBCL", "FL"),
    "brexu-cel": ("MCL",),
    "ide-cel": ("MM",),
    "cilta-cel": ("MM",),
    "obe-cel": ("B-ALL",),
}


@dataclass
class Scenario:
    """What the benchmark opens: the same kind of object at every size."""

    label: str
    courses: int
    ward_code: str
    nurse: str
    clinician: str
    administrator: str
    superuser: str
    timeline_patient_id: int
    chart_course_id: int
    monitored_on_ward: int
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


class AlreadySeeded(RuntimeError):
    pass


def stage_plan(n: int, rng: random.Random) -> list[str]:
    """The stage of each of n courses: the bench ward's monitored patients first."""
    on_ward = min(MONITORED_ON_BENCH_WARD, max(1, n * 30 // 100)) if n else 0
    rest = n - on_ward
    counts = {stage: int(rest * share) for stage, share in STAGE_MIX}
    # Largest remainders go to follow-up, the commonest stage.
    counts[Stage.FOLLOW_UP] += rest - sum(counts.values())
    stages = [s for s, k in counts.items() for _ in range(k)]
    rng.shuffle(stages)
    return ["bench_monitoring"] * on_ward + stages


def generate(
    *,
    courses: int,
    label: str = "bench",
    seed: int = 20260101,
    now: datetime | None = None,
    only_stage: str | None = None,
) -> Scenario:
    """Insert ``courses`` courses (and their patients, staff and history). Refuses to run twice
    with the same label (see the seed_scale command's --reset). ``only_stage`` puts every
    course in one stage (the sweep benchmark adds patients in monitoring this way)."""
    started = timezone.now()
    now = timezone.localtime(now or started)
    if Patient.objects.filter(mrn__startswith=_mrn_prefix(label)).exists():
        raise AlreadySeeded(f"data labelled {label!r} already exists; reset the bench database")
    rng = random.Random(f"{seed}-{label}-{courses}")
    with transaction.atomic():
        gen = _Generator(label=label, n=courses, rng=rng, now=now, only_stage=only_stage)
        scenario = gen.run()
    scenario.seconds = (timezone.now() - started).total_seconds()
    return scenario


def _mrn_prefix(label: str) -> str:
    return f"{label.upper()[:8]}-"


class _Generator(ClinicalHistory):
    def __init__(self, *, label: str, n: int, rng: random.Random, now: datetime, only_stage=None):
        self.label, self.n, self.rng, self.now = label, n, rng, now
        self.only_stage = only_stage
        self.today = now.date()
        self.tz = now.tzinfo
        self.products = {p.code: p.pk for p in CarTProduct.objects.all()}
        if not self.products:
            raise RuntimeError("the product catalogue is empty: run migrate first")
        self.tables = {
            model: Table(model)
            for model in (
                Patient,
                TreatmentCourse,
                StageEvent,
                ScreeningAssessment,
                Assessment,
                MonitoringTask,
                Escalation,
                Intervention,
                Discharge,
                ScheduledVisit,
                FollowUpVisit,
            )
        }

    def t(self, model) -> Table:
        return self.tables[model]

    # --- staff and wards -----------------------------------------------------------------

    def _staff(self) -> None:
        label = self.label
        n_wards = max(2, -(-self.n // PATIENTS_PER_WARD))
        self.bench_ward = Ward.objects.create(code=f"{label}-w0", name=f"{label} ward 0 (bench)")
        self.wards = [self.bench_ward] + [
            Ward.objects.create(code=f"{label}-w{i}", name=f"{label} ward {i}")
            for i in range(1, n_wards)
        ]
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}

        def user(username, role=None, wards=(), **extra):
            u = User.objects.create(
                username=username, first_name=username.split("-")[-1].title(), **extra
            )
            u.set_unusable_password()
            u.save(update_fields=["password"])
            if role:
                u.groups.add(groups[role])
            if wards:
                u.wards.set(wards)
            return u

        self.clinicians = [
            user(f"{label}-dr{i}", Role.CLINICIAN, last_name=f"Doctor{i}")
            for i in range(max(3, self.n // 1000))
        ]
        self.nurse = user(f"{label}-nurse", Role.NURSE, [self.bench_ward], last_name="Nurse")
        for ward in self.wards[1:]:
            user(f"{label}-nurse-{ward.code}", Role.NURSE, [ward])
        self.administrator = user(
            f"{label}-admin", Role.ADMINISTRATOR, is_staff=True, last_name="Admin"
        )
        self.superuser = user(
            f"{label}-super", None, is_staff=True, is_superuser=True, last_name="Super"
        )

    # --- the run -------------------------------------------------------------------------

    def run(self) -> Scenario:
        self._staff()
        stages = [self.only_stage] * self.n if self.only_stage else stage_plan(self.n, self.rng)
        timeline_patient = chart_course = None
        for i, planned in enumerate(stages):
            on_bench_ward = planned == "bench_monitoring"
            stage = Stage.MONITORING if on_bench_ward else planned
            ward = self.bench_ward if on_bench_ward else self.rng.choice(self.wards)
            patient_id, course_id, day0 = self._course(i, stage, ward)
            # The pages open a course of the same shape at every size: the first course in
            # follow-up whose 30 days of monitoring are all in the past.
            if (
                chart_course is None
                and stage == Stage.FOLLOW_UP
                and day0 <= self.today - timedelta(days=HISTORY_MONITORING_DAYS + 1)
            ):
                timeline_patient, chart_course = patient_id, course_id
        if chart_course is None:  # tiny sizes: add the course the pages open
            patient_id, course_id, _ = self._course(
                len(stages), Stage.FOLLOW_UP, self.wards[-1], day0=self.today - timedelta(60)
            )
            timeline_patient, chart_course = patient_id, course_id
        counts = {m.__name__: t.finish() for m, t in self.tables.items()}
        counts.update(_apheresis(self))
        return Scenario(
            label=self.label,
            courses=self.n,
            ward_code=self.bench_ward.code,
            nurse=self.nurse.username,
            clinician=self.clinicians[0].username,
            administrator=self.administrator.username,
            superuser=self.superuser.username,
            timeline_patient_id=timeline_patient,
            chart_course_id=chart_course,
            monitored_on_ward=sum(1 for s in stages if s == "bench_monitoring"),
            counts=counts,
        )

    def _moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def _course(self, i: int, stage: str, ward: Ward, day0: date | None = None):
        rng = self.rng
        product_code = rng.choice(sorted(self.products))
        diagnosis = rng.choice(PRODUCT_DIAGNOSES.get(product_code, ("LBCL",)))
        clinician = rng.choice(self.clinicians)
        age = rng.randint(20, 80) if diagnosis != "B-ALL" else rng.randint(18, 25)
        weight = Decimal(rng.randint(450, 1100)) / 10
        patient_id = self.t(Patient).add(
            mrn=f"{_mrn_prefix(self.label)}{i:07d}",
            family_name=rng.choice(FAMILY_NAMES),
            given_name=rng.choice(GIVEN_NAMES),
            date_of_birth=self.today - timedelta(days=age * 365 + rng.randint(0, 364)),
            sex=rng.choice("FM"),
            weight_kg=weight,
            height_cm=Decimal(rng.randint(1500, 1900)) / 10,
            diagnosis=diagnosis,
            ward_id=ward.pk,
            attending_clinician_id=clinician.pk,
            created_at=self.now,
            updated_at=self.now,
        )
        infused = stage in INFUSED
        infused_at = None
        if stage == Stage.MONITORING:
            # Infused 0–13 days ago, at least three hours before now.
            infused_at = self.now - timedelta(days=rng.randint(0, 13), hours=rng.randint(3, 10))
            day0 = infused_at.date()
        elif stage == Stage.INFUSION:
            infused_at = self.now - timedelta(hours=1)
            day0 = infused_at.date()
        elif infused:
            day0 = day0 or self.today - timedelta(
                days=rng.randint(HISTORY_MONITORING_DAYS + 15, YEARS_OF_HISTORY * 365)
            )
            infused_at = self._moment(day0, 10, rng.randint(0, 59))
        else:
            # Not yet infused (or never): the planned Day 0 is ahead.
            day0 = self.today + timedelta(days=rng.randint(5, 40))
        referred_on = day0 - timedelta(days=DAYS_BEFORE_DAY0[Stage.REFERRED] + rng.randint(0, 20))
        if not infused and stage not in (Stage.WITHDRAWN,):
            referred_on = min(referred_on, self.today - timedelta(days=self._days_in(stage)))
        if stage == Stage.WITHDRAWN:
            referred_on = self.today - timedelta(days=rng.randint(90, YEARS_OF_HISTORY * 365))
        course_id = self.t(TreatmentCourse).add(
            patient_id=patient_id,
            product_id=self.products[product_code],
            stage=stage,
            referred_on=referred_on,
            planned_day0_date=day0 if infused or stage in PLANNING_STAGES else None,
            day0_date=day0 if infused else None,
            created_by_id=clinician.pk,
            created_at=self._moment(referred_on, 9),
            updated_at=self.now,
        )
        path, end = self._path(stage, referred_on, day0, infused_at)
        self._events(course_id, path, clinician.pk, infused_at)
        if any(s == Stage.SCREENING for s, _ in path):
            screened_on = next(d for s, d in path if s == Stage.SCREENING)
            self._screening(course_id, screened_on, diagnosis, clinician.pk)
        if infused:
            until = min(
                self.now,
                infused_at + timedelta(days=HISTORY_MONITORING_DAYS),
                self._moment(end, 8) if end else self.now,
            )
            if stage == Stage.MONITORING:
                # Most were assessed in the last 4 h; some are overdue.
                until = self.now - timedelta(minutes=rng.choice((5, 30, 90, 150, 200, 280, 320)))
            self._monitoring(
                course_id,
                infused_at,
                until,
                weight,
                clinician.pk,
                open_tasks=stage == Stage.MONITORING,
            )
            if stage in (Stage.FOLLOW_UP, Stage.COMPLETED, Stage.DECEASED):
                self._followup(course_id, day0, stage, end, clinician.pk)
        return patient_id, course_id, day0

    @staticmethod
    def _days_in(stage: str) -> int:
        return max(1, DAYS_BEFORE_DAY0[Stage.REFERRED] - DAYS_BEFORE_DAY0.get(stage, 0))

    def _path(self, stage, referred_on, day0, infused_at):
        """(stage, date) of every stage change up to the course's stage, and the end date."""
        rng = self.rng
        if stage in INFUSED:
            steps = [(s, day0 - timedelta(days=DAYS_BEFORE_DAY0[s])) for s in PATH[:9]]
            steps[0] = (Stage.REFERRED, referred_on)
            end = None
            if stage in (Stage.FOLLOW_UP, Stage.COMPLETED, Stage.DECEASED):
                steps.append((Stage.FOLLOW_UP, day0 + timedelta(days=rng.randint(14, 28))))
            if stage == Stage.COMPLETED:
                end = min(day0 + timedelta(days=365 * rng.randint(2, 15)), self.today)
                steps.append((Stage.COMPLETED, end))
            elif stage == Stage.DECEASED:
                end = day0 + timedelta(
                    days=rng.randint(35, max(36, min(1800, (self.today - day0).days)))
                )
                end = min(end, self.today)
                steps.append((Stage.DECEASED, end))
            elif stage == Stage.INFUSION:
                steps = steps[:8]
            return steps, end
        if stage == Stage.WITHDRAWN:
            stop = rng.randint(1, 6)
            steps = [(s, referred_on + timedelta(days=5 * k)) for k, s in enumerate(PATH[:stop])]
            steps.append((Stage.WITHDRAWN, referred_on + timedelta(days=5 * stop)))
            return steps, None
        if stage == Stage.NOT_ELIGIBLE:
            order = [Stage.REFERRED, Stage.SCREENING, Stage.NOT_ELIGIBLE]
        elif stage == Stage.BRIDGING:
            order = [*PATH[:6], Stage.BRIDGING]
        else:
            order = list(PATH[: PATH.index(stage) + 1])
        steps, day = [], referred_on
        for s in order:
            steps.append((s, day))
            day = min(day + timedelta(days=rng.randint(1, 6)), self.today)
        return steps, None

    def _events(self, course_id, path, clinician_id, infused_at) -> None:
        previous = ""
        for k, (stage, on) in enumerate(path):
            if stage == Stage.INFUSION and infused_at:
                occurred_at = infused_at
            elif stage == Stage.MONITORING and infused_at:
                occurred_at = infused_at + timedelta(minutes=30)
            else:
                # Never in the future: a change made today happened before now.
                occurred_at = min(self._moment(on, 9 + min(k, 10)), self.now - timedelta(hours=1))
            reason = ""
            if stage in (Stage.WITHDRAWN, Stage.COMPLETED, Stage.DECEASED):
                reason = {
                    Stage.WITHDRAWN: "Patient chose another treatment.",
                    Stage.COMPLETED: "Follow-up completed.",
                    Stage.DECEASED: "Died of disease progression.",
                }[stage]
            self.t(StageEvent).add(
                course_id=course_id,
                from_stage=previous,
                to_stage=stage,
                occurred_at=occurred_at,
                effective_date=on,
                changed_by_id=clinician_id,
                reason=reason,
            )
            previous = stage

    def _screening(self, course_id, on, diagnosis, clinician_id) -> None:
        rng = self.rng
        self.t(ScreeningAssessment).add(
            course_id=course_id,
            assessed_on=on,
            diagnosis=diagnosis,
            ecog=rng.choice((0, 0, 1, 1, 2)),
            crcl_ml_min=Decimal(rng.randint(450, 1200)) / 10,
            haemoglobin_g_dl=Decimal(rng.randint(85, 150)) / 10,
            platelets_10e9_l=Decimal(rng.randint(60, 350)),
            anc_10e9_l=Decimal(rng.randint(80, 600)) / 100,
            alc_10e9_l=Decimal(rng.randint(20, 300)) / 100,
            hbv="negative",
            hcv="negative",
            hiv="negative",
            created_by_id=clinician_id,
            updated_by_id=clinician_id,
            created_at=self._moment(on, 11),
            updated_at=self._moment(on, 11),
        )


def _apheresis(gen: _Generator) -> dict:
    """Collections and custody events, once the apheresis app has tables to hold them.

    The apheresis app is being built; until its models settle this adds nothing. When they
    do, this is the one function to fill in (a collection per course past apheresis, its
    custody events), using gen.t()-style Tables so it stays as fast as the rest."""
    tables = set(connection.introspection.table_names())
    try:
        from apheresis.models import Collection
    except ImportError:
        return {"apheresis": "app has no models"}
    if Collection._meta.db_table not in tables:
        return {"apheresis": "tables not migrated"}
    return {"apheresis": "not generated (models in flux)"}
