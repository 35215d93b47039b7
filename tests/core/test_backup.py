"""Backup drill on PostgreSQL: dump, wipe, restore; every record and its history survive."""

import shutil
import subprocess
from datetime import date

import pytest
from django.db import connection

from patients import services
from patients.models import Patient, TreatmentCourse
from tests.factories import course_at_stage, product

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not shutil.which("pg_dump"),
        reason="needs PostgreSQL and pg_dump/pg_restore",
    ),
]


def _table_fingerprints() -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row of every table, in primary-key order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            )
            result[table] = cursor.fetchone()
    return result


def _libpq_args() -> list[str]:
    db = connection.settings_dict
    args = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    return args


def test_dump_wipe_restore_keeps_records_and_history(tmp_path, dr_ben, patient_7a):
    course = services.course_open(
        by=dr_ben, patient=patient_7a, product=product(), referred_on=date(2026, 5, 1)
    )
    course_at_stage(by=dr_ben, course=course, to_stage="screening")
    services.patient_update(by=dr_ben, patient=patient_7a, expected_version=1, weight_kg="68.0")
    before = _table_fingerprints()
    assert before["patients_historicalpatient"][0] >= 2

    dump = tmp_path / "cart.dump"
    name = connection.settings_dict["NAME"]
    env = {"PGPASSWORD": connection.settings_dict["PASSWORD"] or ""}
    subprocess.run(
        ["pg_dump", *_libpq_args(), "--format=custom", "--no-owner", f"--file={dump}", name],
        check=True,
        env=env,
    )
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone()[0] == 0
    connection.close()
    subprocess.run(
        ["pg_restore", *_libpq_args(), "--no-owner", f"--dbname={name}", str(dump)],
        check=True,
        env=env,
    )

    assert _table_fingerprints() == before
    patient = Patient.objects.get(pk=patient_7a.pk)
    assert str(patient.weight_kg) == "68.0"
    assert [h.weight_kg for h in patient.history.order_by("history_id")][-1] == patient.weight_kg
    assert TreatmentCourse.objects.get(pk=course.pk).stage == "screening"
    assert [e.to_stage for e in course.stage_events.order_by("id")] == ["referred", "screening"]
