"""``migrate`` as the owner role when DATABASE_OWNER_URL is set (README, "PostgreSQL roles").

The app's own role (DATABASE_URL) owns no table, so it cannot create or alter one. This
command keeps the database named by DATABASE_URL (a test database stays the test database)
and connects to it with the owner's user and password; after the migrations, post_migrate
grants the app role its privileges (core/append_only.py).
"""

import environ
from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Runs as DATABASE_OWNER_URL's role when that is set."

    def handle(self, *args, **options):
        if settings.DATABASE_OWNER_URL and options["database"] == "default":
            owner = environ.Env.db_url_config(settings.DATABASE_OWNER_URL)
            connection = connections["default"]
            connection.close()
            for key in ("USER", "PASSWORD", "HOST", "PORT"):
                if owner.get(key) not in (None, ""):
                    connection.settings_dict[key] = owner[key]
        return super().handle(*args, **options)
