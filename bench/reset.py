"""Emptying the generated data, only ever in a dedicated benchmark database."""

from django.apps import apps
from django.db import connection, transaction

from core.audit import unaudited
from core.models import User, Ward


class NotABenchDatabase(RuntimeError):
    pass


def require_bench_database() -> str:
    """The database name, if it is a PostgreSQL database named for benchmarks; else refuse."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "postgresql" or "bench" not in name:
        raise NotABenchDatabase(
            f"refusing to reset {connection.vendor} database {name!r}: only a PostgreSQL "
            "database whose name contains 'bench' (e.g. cart_bench) is ever emptied"
        )
    return name


def reset(label: str = "bench") -> None:
    """Truncate patients and everything hanging off them (courses, assessments, visits…),
    every history table and the sessions; delete the generated staff and wards. Reference
    data (roles, product catalogue, thresholds, policies) stays."""
    require_bench_database()
    tables = connection.introspection.table_names()
    history = [t for t in tables if "_historical" in t]
    with transaction.atomic():
        with connection.cursor() as cursor:
            names = ", ".join(
                connection.ops.quote_name(t)
                for t in [
                    "patients_patient",
                    "django_session",
                    "reports_dashboardsnapshot",
                    *history,
                ]
                if t in tables
            )
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            # Rows left that name a generated user (export logs, signatures…): their tables go
            # too. Reference data is never named after a generated user, so it stays.
            users = "SELECT id FROM core_user WHERE username LIKE %s"
            for table, column in _tables_naming_users(set(tables)):
                cursor.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} IN ({users}))",
                    [f"{label}-%"],
                )
                if cursor.fetchone()[0]:
                    cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
        # The history tables were emptied above; the deletes' SET NULL on them touches no row,
        # but the audit guard refuses any queryset update() of a history table.
        with unaudited("emptying the generated data of a benchmark database"):
            User.objects.filter(username__startswith=f"{label}-").delete()
            Ward.objects.filter(code__startswith=f"{label}-").delete()


def _tables_naming_users(existing: set[str]) -> list[tuple[str, str]]:
    quote = connection.ops.quote_name
    found = []
    for model in apps.get_models():
        table = model._meta.db_table
        if model._meta.proxy or table not in existing or "_historical" in table:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is User:
                found.append((quote(table), quote(f.column)))
    return found
