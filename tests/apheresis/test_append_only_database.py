"""History and the custody log are append-only in PostgreSQL itself (issue 14, item 5).

The first tests run as the role the suite connects as (the owner in CI): the triggers refuse
UPDATE and DELETE of history rows to everyone. The last test connects as the application
role (DATABASE_APP_ROLE, which .ci/run creates and which owns nothing) and proves it can
neither change, delete nor truncate history and custody rows, nor disable their triggers,
while it can still do its ordinary work.
"""

import os

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError

from apheresis.models import CustodyEvent
from patients.models import Patient

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="triggers and roles are PostgreSQL's"
)

HISTORY = "patients_historicalpatient"
CUSTODY = "apheresis_custodyevent"
CUSTODY_HISTORY = "apheresis_historicalcustodyevent"


def refused(cursor, sql: str) -> bool:
    """Run one statement in a savepoint; whether the database refused it."""
    try:
        with transaction.atomic():
            cursor.execute(sql)
    except DatabaseError:
        return True
    return False


@postgresql_only
@pytest.mark.django_db
def test_history_rows_cannot_be_changed_or_deleted_in_sql(collection):
    assert Patient.history.exists() and CustodyEvent.history.exists()
    with connection.cursor() as cursor:
        for table in (HISTORY, CUSTODY_HISTORY):
            assert refused(cursor, f"UPDATE {table} SET history_change_reason = 'forged'")
            assert refused(cursor, f"DELETE FROM {table}")
        assert refused(cursor, f"UPDATE {CUSTODY} SET place = 'forged'")
        assert refused(cursor, f"DELETE FROM {CUSTODY}")


@postgresql_only
@pytest.mark.django_db
def test_every_history_table_has_its_triggers():
    from core.append_only import APPEND_ONLY_RECORDS, history_tables

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN ('append_only_rows', 'append_only_truncate')"
        )
        triggers = set(cursor.fetchall())
    for table in history_tables():
        assert (table, "append_only_rows") in triggers, table
        assert (table, "append_only_truncate") in triggers, table
    for table in APPEND_ONLY_RECORDS:
        assert (table, "append_only_truncate") in triggers, table


def _as_app_role():
    import psycopg2

    params = connection.get_connection_params()
    params["user"] = settings.DATABASE_APP_ROLE
    params["password"] = os.environ.get("DATABASE_APP_PASSWORD", "")
    params.pop("cursor_factory", None)
    app = psycopg2.connect(**{k: v for k, v in params.items() if v not in (None, "")})
    app.autocommit = True
    return app


@postgresql_only
@pytest.mark.skipif(not settings.DATABASE_APP_ROLE, reason="no DATABASE_APP_ROLE (.ci/run sets it)")
@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_touch_history_or_the_custody_log(collection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    assert owner != settings.DATABASE_APP_ROLE, "the suite must run as the owner role"

    import psycopg2

    app = _as_app_role()
    try:
        cursor = app.cursor()

        def refused_to_app(sql: str) -> bool:
            try:
                cursor.execute(sql)
            except psycopg2.Error:
                return True
            return False

        # Its ordinary work goes through: read, add history, change an ordinary record.
        cursor.execute(f"SELECT count(*) FROM {HISTORY}")
        assert cursor.fetchone()[0] >= 1
        cursor.execute(f"SELECT count(*) FROM {CUSTODY}")
        assert cursor.fetchone()[0] >= 1
        cursor.execute("UPDATE patients_patient SET weight_kg = weight_kg")
        assert cursor.rowcount >= 1
        for table in (HISTORY, CUSTODY_HISTORY, CUSTODY):
            for sql in (
                f"UPDATE {table} SET id = id"
                if table == CUSTODY
                else f"UPDATE {table} SET history_change_reason = 'forged'",
                f"DELETE FROM {table}",
                f"TRUNCATE {table} CASCADE",
                f"ALTER TABLE {table} DISABLE TRIGGER ALL",
                f"ALTER TABLE {table} DISABLE TRIGGER append_only_truncate",
                f"DROP TRIGGER append_only_truncate ON {table}",
            ):
                assert refused_to_app(sql), sql
        assert refused_to_app("SET session_replication_role = replica")
        assert refused_to_app("DROP FUNCTION cart_append_only() CASCADE")
    finally:
        app.close()
    # Nothing changed.
    assert CustodyEvent.objects.count() >= 1
    assert Patient.history.exists()
