"""The patient list's filters: one row per patient, and on PostgreSQL served by indexes."""

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from patients import selectors, services
from patients.models import Patient
from tests.factories import product

pytestmark = pytest.mark.django_db


def withdraw_twice(dr_ben, patient):
    for _ in range(2):
        course = services.course_open(by=dr_ben, patient=patient, product=product())
        services.course_change_stage(
            by=dr_ben, course=course, to_stage="withdrawn", reason="patient choice"
        )


def test_a_patient_with_two_courses_in_the_stage_is_listed_once(
    client, dr_ben, patient_7a, patient_7b
):
    withdraw_twice(dr_ben, patient_7a)
    client.force_login(dr_ben)
    page = client.get(reverse("patients:list"), {"stage": "withdrawn"})
    assert [p.pk for p, _course in page.context["rows"]] == [patient_7a.pk]
    assert page.context["page"].paginator.count == 1
    api = APIClient()
    api.force_authenticate(dr_ben)
    body = api.get("/api/patients/", {"stage": "withdrawn"}).json()
    assert [p["id"] for p in body["results"]] == [patient_7a.pk]


def test_search_matches_mrn_prefix_and_either_name(dr_ben, patient_7a, patient_7b):
    everyone = Patient.objects.all()
    assert set(selectors.patients_matching(everyone, patient_7a.mrn[:4].lower())) >= {patient_7a}
    assert list(selectors.patients_matching(everyone, patient_7b.family_name[1:].upper())) == [
        patient_7b
    ]
    assert list(selectors.patients_matching(everyone, "no such name")) == []


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test tables are tiny, where a sequential scan is always cheapest; forbid it to
        # see which index the planner can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_search_and_stage_filter_use_their_indexes(patient_7a):
    plan = _plan(selectors.patients_matching(Patient.objects.order_by(), "Wang"))
    for column in ("mrn", "family_name", "given_name"):
        assert f"patients_patient_{column}_trgm" in plan
    plan = _plan(selectors.patients_in_stage(Patient.objects.order_by(), "monitoring"))
    assert "patients_tr_stage_6939ac_idx" in plan
