from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from catalogue.models import CarTProduct, Diagnosis
from core.models import User, Ward
from patients.models import Patient, TreatmentCourse

PASSWORD = "correct-horse-battery-9"


class WardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ward
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"w{n}")
    name = factory.LazyAttribute(lambda o: f"Ward {o.code.upper()}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def wards(self, create, extracted, **kwargs):
        if create and extracted:
            self.wards.set(extracted)
        if create:
            self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    given_name = "Given"
    date_of_birth = date(1970, 5, 17)
    sex = "F"
    weight_kg = Decimal("70.0")
    height_cm = Decimal("170.0")
    diagnosis = Diagnosis.LBCL
    ward = factory.SubFactory(WardFactory)
    attending_clinician = factory.SubFactory(UserFactory, roles=["clinician"])


def product(code: str = "axi-cel") -> CarTProduct:
    return CarTProduct.objects.get(code=code)


class CourseFactory(factory.django.DjangoModelFactory):
    """A bare course row; tests that need a real timeline open it through the service."""

    class Meta:
        model = TreatmentCourse

    patient = factory.SubFactory(PatientFactory)
    product = factory.LazyFunction(product)
    referred_on = date(2026, 1, 5)
    created_by = factory.SelfAttribute("patient.attending_clinician")


def course_at_stage(
    *, by, course: TreatmentCourse, to_stage: str, reason: str = "", effective_date=None
):
    """Put a course in a stage as rows, for tests about what happens once it is there.

    The stage's evidence is NOT written: tests of the evidence itself go through the owning
    service (tests/test_stage_evidence.py). The move is still one allowed step of the path,
    is written on the timeline and sends course_stage_changed, so the receivers (monitoring
    and follow-up schedules, the gate guard) run as they do in production.
    """
    from django.utils import timezone

    from patients import rules
    from patients.models import StageEvent
    from patients.signals import course_stage_changed

    current = TreatmentCourse.objects.get(pk=course.pk)
    if to_stage not in rules.ALLOWED_TRANSITIONS[current.stage]:
        raise AssertionError(f"a course cannot go from {current.stage} to {to_stage}")
    effective_date = effective_date or timezone.localdate()
    event = StageEvent.objects.create(
        course=current,
        from_stage=current.stage,
        to_stage=to_stage,
        occurred_at=timezone.now(),
        effective_date=effective_date,
        changed_by=by,
        reason=reason,
    )
    current.stage = to_stage
    if to_stage == rules.INFUSION and current.day0_date is None:
        current.day0_date = effective_date
    current.version += 1
    current.save()
    course_stage_changed.send(sender=TreatmentCourse, course=current, event=event, by=by)
    course.refresh_from_db()
    return event
