"""Demo data for a newcomer: staff for every role and ~30 patients over every stage.

A project-level command (the home app sits above every stage): it makes the staff, wards and
patients, walks each course through its stages with each stage's evidence (patients.stage_entry),
then asks each app for its own demo records (DEMO_MODULES, in treatment order).

Idempotent: users and patients are looked up by username and MRN, so running it again
changes nothing. Every course is walked through the real services, so timelines are real.
"""

import secrets
from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from catalogue.models import CarTProduct, Diagnosis
from core import system_text
from core.models import User, Ward
from core.roles import Role
from patients import rules, services, stage_entry
from patients.models import Patient

DEMO_PASSWORD = "cart-demo-2026"

DEMO_MODULES = [
    "eligibility.demo",
    "apheresis.demo",
    "infusion.demo",
    "monitoring.demo",
    "followup.demo",
    "reports.demo",
]
DUMMY_EMAIL = "django.core.mail.backends.dummy.EmailBackend"

WARDS = [("7a", "Haematology 7A"), ("7b", "Haematology 7B"), ("icu", "Intensive care unit")]

# username, first, last, roles, wards, staff
STAFF = [
    ("ben", "Ben", "Li", [Role.CLINICIAN], [], False),
    ("wang", "Min", "Wang", [Role.CLINICIAN], [], False),
    ("ada", "Ada", "Chen", [Role.NURSE], ["7a"], False),
    ("dan", "Dan", "Zhou", [Role.NURSE], ["7b", "icu"], False),
    ("cai", "Cai", "Luo", [Role.APHERESIS_COORDINATOR], [], False),
    ("pan", "Pan", "Xu", [Role.PHARMACIST], [], False),
    ("alex", "Alex", "He", [Role.ADMINISTRATOR], [], True),
    # A second administrator: role requests need one to approve them (issue 14).
    ("bo", "Bo", "Ma", [Role.ADMINISTRATOR], [], True),
    ("cara", "Cara", "Tang", [Role.AUDITOR], [], True),
]

# The path walked to reach each stage, and days between steps (a believable pace).
PATHS = {
    rules.REFERRED: [],
    rules.SCREENING: [rules.SCREENING],
    rules.ELIGIBLE: [rules.SCREENING, rules.ELIGIBLE],
    rules.NOT_ELIGIBLE: [rules.SCREENING, rules.NOT_ELIGIBLE],
    rules.CONSENTED: [rules.SCREENING, rules.ELIGIBLE, rules.CONSENTED],
}
PATHS[rules.APHERESIS] = PATHS[rules.CONSENTED] + [rules.APHERESIS]
PATHS[rules.MANUFACTURING] = PATHS[rules.APHERESIS] + [rules.MANUFACTURING]
PATHS[rules.BRIDGING] = PATHS[rules.MANUFACTURING] + [rules.BRIDGING]
PATHS[rules.LYMPHODEPLETION] = PATHS[rules.BRIDGING] + [rules.LYMPHODEPLETION]
PATHS[rules.INFUSION] = PATHS[rules.LYMPHODEPLETION] + [rules.INFUSION]
PATHS[rules.MONITORING] = PATHS[rules.INFUSION] + [rules.MONITORING]
PATHS[rules.FOLLOW_UP] = PATHS[rules.MONITORING] + [rules.FOLLOW_UP]
PATHS[rules.COMPLETED] = PATHS[rules.FOLLOW_UP] + [rules.COMPLETED]
PATHS[rules.WITHDRAWN] = PATHS[rules.CONSENTED] + [rules.WITHDRAWN]
PATHS[rules.DECEASED] = PATHS[rules.MONITORING] + [rules.DECEASED]

DAYS_BEFORE = {
    rules.SCREENING: 2,
    rules.ELIGIBLE: 7,
    rules.NOT_ELIGIBLE: 7,
    rules.CONSENTED: 3,
    rules.APHERESIS: 7,
    rules.MANUFACTURING: 1,
    rules.BRIDGING: 3,
    rules.LYMPHODEPLETION: 16,
    rules.INFUSION: 5,
    rules.MONITORING: 0,
    rules.FOLLOW_UP: 21,
    rules.COMPLETED: 700,
    rules.WITHDRAWN: 4,
    rules.DECEASED: 9,
}
# What the demo's clinicians "wrote", as system texts so that the demo reads in Chinese too
# (home/texts.py; the cause of death is follow-up's code, by its name).
REASONS = {
    rules.WITHDRAWN: ("home.demo_withdrew", {}),
    rules.DECEASED: ("followup.died", {"cause": ("followup.death_cause.progression", {})}),
    rules.COMPLETED: ("home.demo_follow_up_completed", {}),
}


def _demo_reason(stage: str) -> system_text.SystemText | None:
    if stage not in REASONS:
        return None
    code, params = REASONS[stage]
    return system_text.text(code, **{k: system_text.text(c, **p) for k, (c, p) in params.items()})


ACTOR_ROLE = {
    rules.APHERESIS: "cai",
    rules.MANUFACTURING: "cai",
    rules.INFUSION: "ada",
    rules.MONITORING: "ada",
}

FAMILY = [
    "Zhang",
    "Liu",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Gao",
    "Lin",
    "Luo",
    "Zheng",
    "Liang",
    "Xie",
    "Song",
    "Tang",
    "Han",
    "Feng",
    "Deng",
    "Cao",
    "Peng",
    "Zeng",
    "Xiao",
    "Tian",
]
GIVEN = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Li",
    "Qiang",
    "Lei",
    "Jun",
    "Yan",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Xia",
    "Ping",
    "Gang",
    "Hui",
    "Yu",
    "Dan",
    "Ling",
    "Bo",
    "Hong",
    "Xin",
    "Ying",
    "Hao",
    "Rui",
    "Kai",
    "Lan",
    "Mei",
]
PRODUCT_FOR = {
    Diagnosis.LBCL: "axi-cel",
    Diagnosis.FL: "liso-cel",
    Diagnosis.MCL: "brexu-cel",
    Diagnosis.B_ALL: "tisa-cel",
    Diagnosis.MM: "cilta-cel",
    Diagnosis.CLL_SLL: "liso-cel",
}
DIAGNOSES = [
    Diagnosis.LBCL,
    Diagnosis.LBCL,
    Diagnosis.MM,
    Diagnosis.FL,
    Diagnosis.MCL,
    Diagnosis.B_ALL,
]


# The first demo patient is referred on the day the demo is seeded (no path, no extra days):
# the demo's own record of its day, read by demo_reset to re-date a demo seeded earlier.
FIRST_DEMO_MRN = "CQ100001"


def demo_seeded_on() -> date | None:
    """The day the demo data was seeded (every demo date counts from it), None when there is
    no demo in this database."""
    return (
        Patient.objects.filter(mrn=FIRST_DEMO_MRN)
        .values_list("courses__referred_on", flat=True)
        .order_by("courses__referred_on")
        .first()
    )


class Command(BaseCommand):
    help = "Create demo staff for every role and about 30 patients spread over every stage."

    def handle(self, *args, **options):
        # Demo records must not e-mail anyone about their made-up reminders.
        with override_settings(EMAIL_BACKEND=DUMMY_EMAIL), transaction.atomic():
            wards = self._wards()
            staff, created_users = self._staff(wards)
            self._directory_mappings(wards)
            created_patients = self._patients(staff, wards)
            # Each stage app adds its own demo records, in workflow order.
            for module in DEMO_MODULES:
                import_module(module).seed(staff=staff, today=timezone.localdate())
        self.stdout.write(
            f"Demo data ready: {created_users} new users, {created_patients} new patients."
        )
        if settings.DEBUG:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, first, last, roles, ward_codes, _ in STAFF:
                where = f" on {', '.join(ward_codes)}" if ward_codes else ""
                self.stdout.write(f"  {username:6} {first} {last}: {', '.join(roles)}{where}")
        else:
            self.stdout.write("DEBUG is off: demo passwords are random and not shown.")

    def _wards(self):
        return {
            code: Ward.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in WARDS
        }

    def _directory_mappings(self, wards):
        """Example rows of the single sign-on table (README "Single sign-on"): used only when
        OIDC or LDAP is switched on, and edited by the administrator for the real groups."""
        from sso.models import DirectoryGroupMapping

        examples = [
            ("CART-Clinicians", Role.CLINICIAN, None),
            ("CART-Nurses", Role.NURSE, None),
            ("CART-Apheresis", Role.APHERESIS_COORDINATOR, None),
            ("CART-Pharmacists", Role.PHARMACIST, None),
            ("CART-Admins", Role.ADMINISTRATOR, None),
            ("CART-Audit", Role.AUDITOR, None),
            ("Ward-7A", "", wards["7a"]),
            ("Ward-7B", "", wards["7b"]),
            ("Ward-ICU", "", wards["icu"]),
        ]
        for group, role, ward in examples:
            DirectoryGroupMapping.objects.get_or_create(
                source="any", group=group, role=role, ward=ward, defaults={"note": "demo"}
            )

    def _staff(self, wards):
        staff, created = {}, 0
        for username, first, last, roles, ward_codes, is_staff in STAFF:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@cart.example",
                    is_staff=is_staff,
                )
                # A known password only on a developer's machine; never in production.
                user.set_password(DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(24))
                user.save()
                user.groups.set(Group.objects.filter(name__in=roles))
                user.wards.set([wards[c] for c in ward_codes])
                created += 1
            staff[username] = user
        return staff, created

    def _patients(self, staff, wards):
        today = timezone.localdate()
        products = {p.code: p for p in CarTProduct.objects.all()}
        ward_cycle = [wards["7a"], wards["7b"], wards["7a"], wards["icu"]]
        created = 0
        stages = list(rules.STAGE_ORDER)
        for i in range(30):
            mrn = f"CQ{100001 + i}"
            if Patient.objects.filter(mrn=mrn).exists():
                continue
            target = stages[i % len(stages)]
            diagnosis = DIAGNOSES[i % len(DIAGNOSES)]
            age = 24 + (i * 7) % 50 if diagnosis != Diagnosis.B_ALL else 19 + i % 6
            patient = services.patient_register(
                by=staff["ben"] if i % 2 == 0 else staff["wang"],
                mrn=mrn,
                family_name=FAMILY[i],
                given_name=GIVEN[(i * 7) % len(GIVEN)],
                date_of_birth=date(today.year - age, 1 + i % 12, 1 + (i * 3) % 28),
                sex="F" if i % 2 else "M",
                weight_kg=Decimal(52 + (i * 13) % 45),
                height_cm=Decimal(152 + (i * 11) % 35),
                diagnosis=diagnosis,
                ward=ward_cycle[i % len(ward_cycle)],
                attending_clinician=staff["ben"] if i % 3 else staff["wang"],
            )
            # Patients in monitoring were infused in the last few days, so Today has work.
            extra = i % 4 if target == rules.MONITORING else i
            self._walk_course(
                patient, products[PRODUCT_FOR[diagnosis]], target, staff, today, extra_days=extra
            )
            created += 1
        return created

    def _walk_course(self, patient, product, target, staff, today, extra_days):
        path = PATHS[target]
        total = sum(DAYS_BEFORE[s] for s in path) + extra_days
        on = today - timedelta(days=total)
        course = services.course_open(
            by=staff["ben"], patient=patient, product=product, referred_on=on
        )
        for stage in path:
            on += timedelta(days=DAYS_BEFORE[stage])
            if stage == rules.LYMPHODEPLETION:
                # Lymphodepletion runs Day −5 to −3: plan the infusion five days on.
                services.course_set_planned_day0(
                    by=staff["ben"], course=course, planned_day0_date=on + timedelta(days=5)
                )
            actor = staff[ACTOR_ROLE.get(stage, "ben")]
            if actor.has_role(Role.NURSE) and not actor.wards.filter(pk=patient.ward_id).exists():
                actor = staff["ben"]
            move = services.course_change_stage
            entry = stage_entry.entry_for(stage)
            if entry is not None:
                # The stage's evidence as the owning app's demo rows, then the guarded entry.
                stage_entry.demo_evidence(stage, course=course, by=actor, on=on)
                move = services.course_enter_stage
            move(
                by=actor,
                course=course,
                to_stage=stage,
                reason_text=_demo_reason(stage),
                effective_date=on,
            )
