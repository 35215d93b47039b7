"""Rebuild the demo database: drop every table, migrate, seed the demo again (`make reset-demo`).

With --if-stale (`make run`) it rebuilds only a demo seeded on an earlier day, so that the
demo is always dated relative to today: Day 0 a few days ago for the patients in monitoring,
escalations and due tasks of today, collections booked from today. Records cannot be moved
in time instead: history tables and the custody log are append-only (core/append_only.py)
and signatures fingerprint the dates they sign. A database with no demo in it is only
seeded, and a demo of today is left as it is (seed_demo is idempotent).

A developer's command: refused unless DEBUG is on, as it empties the whole database.
"""

from datetime import date

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone

from .seed_demo import demo_seeded_on


def demo_is_stale(*, today: date) -> bool:
    """True when this database holds a demo seeded before today (its dates have aged)."""
    seeded_on = demo_seeded_on()
    return seeded_on is not None and seeded_on != today


def _seeded_on_if_any() -> date | None:
    try:
        return demo_seeded_on()
    except DatabaseError:  # an empty database: no tables yet
        return None


def drop_all_tables(alias: str = DEFAULT_DB_ALIAS) -> int:
    """Drop every table of the database (migrate then builds them again); their number."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if not tables:
            return 0
        names = ", ".join(connection.ops.quote_name(t) for t in tables)
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
            cursor.execute("PRAGMA foreign_keys = ON")
    return len(tables)


class Command(BaseCommand):
    help = "Rebuild the demo database (drop every table, migrate, seed the demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Rebuild only a demo seeded before today; otherwise just seed_demo.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_reset empties the database: it runs only with DEBUG on.")
        today = timezone.localdate()
        if options["if_stale"] and not demo_is_stale(today=today):
            call_command("seed_demo", stdout=self.stdout)
            return
        seeded_on = _seeded_on_if_any()
        if seeded_on is not None:
            self.stdout.write(f"Re-dating the demo seeded on {seeded_on} to {today}.")
        dropped = drop_all_tables()
        self.stdout.write(f"Dropped {dropped} tables; migrating and seeding the demo.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=self.stdout)
