"""`manage.py demo_his` against the running listener: patients, transfers and labs
arrive and show on the pages."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from interfaces.models import InboundMessage, MessageStatus
from monitoring.models import LabResult
from patients.models import Patient, WardTransfer
from tests.monitoring.conftest import course_in_monitoring


@pytest.mark.django_db(transaction=True)
def test_demo_his_stream_arrives(listener, patient_7a, ward_7b, dr_ben, client):
    course = course_in_monitoring(patient_7a, dr_ben)
    out = io.StringIO()
    call_command("demo_his", port=listener, rounds=2, interval=0, attending="ben", stdout=out)
    assert "AA" in out.getvalue()
    statuses = set(InboundMessage.objects.values_list("status", flat=True))
    assert statuses <= {MessageStatus.PROCESSED, MessageStatus.IGNORED}, out.getvalue()
    registered = Patient.objects.filter(mrn__startswith="H")
    assert registered.count() == 2 and all(p.national_id for p in registered)
    assert WardTransfer.objects.filter(patient=patient_7a).exists()
    assert LabResult.objects.filter(course=course).count() == 10
    client.force_login(dr_ben)
    chart = client.get(reverse("monitoring:course", args=[course.pk])).content.decode()
    assert chart.count('data-testid="lab-source"') == 10
    listing = client.get(reverse("patients:list")).content.decode()
    assert all(p.mrn in listing for p in registered)
