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
        # Statistics left by earlier tests' rows (autovacuum) steer the planner elsewhere when
        # other apps' tests ran first; measure them on this test's rows.
        cursor.execute("ANALYZE patients_patient, patients_treatmentcourse")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_search_and_stage_filter_use_their_indexes(patient_7a):
    plan = _plan(selectors.patients_matching(Patient.objects.order_by(), "Wang"))
    for column in ("family_name", "given_name"):
        assert f"patients_patient_{column}_trgm" in plan
    # The MRN's equality and prefix: its UPPER() b-tree (migration 0011).
    assert "patients_patient_mrn_upper_prefix" in plan
    plan = _plan(selectors.patients_in_stage(Patient.objects.order_by(), "monitoring"))
    assert "patients_tr_stage_6939ac_idx" in plan


def test_the_ward_choices_open_no_server_side_cursor(client, dr_ben, patient_7a, monkeypatch):
    """ModelChoiceField reads its choices with QuerySet.iterator(), a server-side cursor on
    PostgreSQL opened on every page of the list (issue 20 item 3): read them as a list."""
    from django.db.models.query import QuerySet

    opened = []
    original = QuerySet.iterator

    def iterator(self, *args, **kwargs):
        opened.append(self.model.__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "iterator", iterator)
    client.force_login(dr_ben)
    page = client.get(reverse("patients:list"), {"ward": patient_7a.ward_id})
    assert page.status_code == 200
    assert patient_7a.ward.name in page.content.decode()
    assert opened == []


class TestNameSearchIsOneStatement:
    """A search's page is one statement: the search condition, ORDER BY name, LIMIT, done by
    PostgreSQL, which finds the matches by the trigram (and MRN) indexes and sorts only them;
    no list of ids that grows with the matches (issue 20 item 3)."""

    @pytest.fixture
    def patients(self, ward_7a, dr_ben):
        from tests.factories import PatientFactory

        names = ["Wang", "Li", "Wang", "Zhang", "Wangari", "Awang", "Li"]
        return [
            PatientFactory(
                mrn=f"SRCH{i:03d}",
                family_name=family,
                given_name="Wei" if i % 2 else "Wang",
                ward=ward_7a,
                attending_clinician=dr_ben,
            )
            for i, family in enumerate(names)
        ]

    def page_query(self, q):
        return selectors.patients_search_page(Patient.objects.all(), q)

    def test_the_same_patients_in_the_same_order(self, patients):
        expected = list(
            selectors.patients_matching(Patient.objects.all(), "wang").order_by(
                "family_name", "given_name", "mrn"
            )
        )
        assert len(expected) == 5
        assert list(self.page_query("wang")) == expected

    def test_the_page_reads_the_matches_in_one_statement(self, client, dr_ben, patients):
        from django.test.utils import CaptureQueriesContext

        client.force_login(dr_ben)
        client.get(reverse("patients:list"))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("patients:list"), {"q": "wang"})
        assert [p.pk for p, _course in page.context["rows"]] == [
            p.pk for p in self.page_query("wang")
        ]
        reads = [q["sql"].upper() for q in queries if 'FROM "PATIENTS_PATIENT"' in q["sql"].upper()]
        # The count and the page, each with the search condition, neither with a list of ids.
        assert len(reads) == 2, reads
        assert all("LIKE" in sql and '"PATIENTS_PATIENT"."ID" IN (' not in sql for sql in reads)

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
    def test_postgresql_sorts_the_matches_instead_of_walking_the_name_index(self, patients):
        plan = _plan(self.page_query("wang")[:50])
        assert "patients_patient_family_name_trgm" in plan
        assert "patients_pa_family__a96a9c_idx" not in plan

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
    def test_an_mrn_is_found_by_its_b_tree(self, patients):
        """The MRN's trigrams are in nearly every row (digits and a shared prefix): the
        equality and the prefix are ranges of the UPPER(mrn) b-tree (migration 0011)."""
        plan = _plan(selectors.patients_matching(Patient.objects.order_by(), "srch00"))
        assert "patients_patient_mrn_upper_prefix" in plan
        assert [p.mrn for p in self.page_query("srch00")] == [
            p.mrn for p in sorted(patients, key=lambda p: (p.family_name, p.given_name, p.mrn))
        ]
