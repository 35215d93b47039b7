"""History and the custody log are append-only in PostgreSQL, below the ORM (issue 14, item 5).

Two roles (README, "PostgreSQL roles"):
- the owner role (``cart_owner``) owns every table; ``manage.py migrate`` runs as it;
- the application role (``DATABASE_APP_ROLE``, e.g. ``cart_app``) is what the app connects
  as. It owns nothing, so it cannot ALTER a table (no DISABLE TRIGGER) or TRUNCATE it, and
  it is granted after every migrate: SELECT/INSERT/UPDATE/DELETE on ordinary tables, only
  SELECT/INSERT on history tables (``*_historical*``) and on the append-only records of
  apheresis (the custody log, bag checks, chain of identity...).

Triggers (PostgreSQL; SQLite has no roles and skips this):
- every history table: BEFORE UPDATE OR DELETE, for every role. Nothing ever changes a
  history row; a mistake is corrected by a new record.
- every history table and every append-only apheresis table: BEFORE TRUNCATE, refused
  unless the current role owns the table (or is a superuser). The owner could disable any
  trigger anyway, so refusing it would protect nothing, while letting it through keeps
  pytest-django's flush (TRUNCATE) and a restore working. The application role never owns
  the tables, so it is always refused (it has no TRUNCATE privilege either).
  The append-only apheresis tables already refuse UPDATE and DELETE by row
  (apheresis migration 0002).

``ensure_append_only()`` is idempotent: core migration 0005 runs it, and so does every
``migrate`` (post_migrate), so a history table added by a later migration is covered too.
"""

import re

from django.conf import settings

FUNCTION = """
CREATE OR REPLACE FUNCTION cart_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
    ) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# The apheresis records that are append-only (their row triggers: apheresis migration 0002).
APPEND_ONLY_RECORDS = (
    "apheresis_custodyevent",
    "apheresis_bagverification",
    "apheresis_checkoverride",
    "apheresis_chainofidentity",
    "apheresis_outofspecresult",
)

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def history_tables() -> list[str]:
    from django.apps import apps

    return sorted(m._meta.db_table for m in apps.get_models() if hasattr(m, "instance_type"))


def ensure_append_only(connection) -> None:
    if connection.vendor != "postgresql":
        return
    existing = set(connection.introspection.table_names())
    history = [t for t in history_tables() if t in existing]
    records = [t for t in APPEND_ONLY_RECORDS if t in existing]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # No parameters: the % signs in RAISE are PL/pgSQL placeholders, not psycopg ones.
        cursor.execute(FUNCTION, None)
        for table in history:
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER append_only_rows BEFORE UPDATE OR DELETE ON "
                f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION cart_append_only()"
            )
        for table in history + records:
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON "
                f"{quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION cart_append_only()"
            )
        role = app_role()
        if role:
            _grant(cursor, quote, role, history + records)


def app_role() -> str:
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if role and not _ROLE_NAME.match(role):
        raise ValueError(f"DATABASE_APP_ROLE {role!r} is not a plain role name")
    return role


def _grant(cursor, quote, role: str, append_only: list[str]) -> None:
    role = quote(role)
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    cursor.execute(
        f"REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA public FROM {role}"
    )
    for table in append_only:
        cursor.execute(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {role}")


def ensure_after_migrate(sender, using="default", plan=None, **kwargs) -> None:
    """post_migrate: after ``migrate`` (which passes a plan), not after a test's flush."""
    if plan is None:
        return
    from django.db import connections

    ensure_append_only(connections[using])
