"""Electronic sign-off of the MDT decision: the password again, the meaning, name and time;
changing the signed record afterwards voids the signature, visibly."""

import pytest
from django.core.exceptions import ValidationError

from core.signatures import signatures_for
from eligibility import services
from eligibility.models import MdtDecision
from tests.eligibility.conftest import screened_course
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_decision_is_signed_with_meaning_name_and_time(frozen, dr_ben, patient_7a):
    course = screened_course(patient_7a, dr_ben)
    record = services.decision_record(
        by=dr_ben, course=course, decision="approve", password=PASSWORD
    )
    (signature,) = signatures_for(record)
    assert signature.signer == dr_ben and signature.signer_name == "Ben Li"
    assert signature.get_meaning_display() == "Approved by" and signature.is_valid


def test_a_wrong_password_signs_nothing_and_saves_nothing(frozen, dr_ben, patient_7a):
    course = screened_course(patient_7a, dr_ben)
    with pytest.raises(ValidationError) as error:
        services.decision_record(by=dr_ben, course=course, decision="approve", password="guess")
    assert "password" in error.value.message_dict
    assert not MdtDecision.objects.exists()
    course.refresh_from_db()
    assert course.stage == "screening"


def test_changing_the_signed_record_voids_the_signature(frozen, dr_ben, patient_7a):
    course = screened_course(patient_7a, dr_ben)
    record = services.decision_record(
        by=dr_ben, course=course, decision="approve", password=PASSWORD
    )
    record.justification = "Edited after signing"
    record.save()
    (signature,) = signatures_for(record)
    assert not signature.is_valid
    assert "changed after it was signed" in signature.void_reason


def test_saving_without_change_keeps_the_signature(frozen, dr_ben, patient_7a):
    course = screened_course(patient_7a, dr_ben)
    record = services.decision_record(by=dr_ben, course=course, decision="defer", password=PASSWORD)
    record.save()
    (signature,) = signatures_for(record)
    assert signature.is_valid and signature.get_meaning_display() == "Deferred by"


def test_the_result_page_shows_the_signature(client, frozen, dr_ben, patient_7a):
    course = screened_course(patient_7a, dr_ben)
    services.decision_record(by=dr_ben, course=course, decision="approve", password=PASSWORD)
    client.force_login(dr_ben)
    body = client.get(f"/eligibility/courses/{course.pk}/").content.decode()
    assert "Approved by Ben Li" in body and "electronic signature" in body
