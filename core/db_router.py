"""Reads for reports and exports from a PostgreSQL read replica, when one is configured
(DATABASE_REPLICA_URL); everything else, and every write, goes to the primary.

Only code that can tolerate replication lag opts in, with ``reads_from_replica()``: the rows
of an export or the dashboard's aggregates, never a record just written in this request."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_use_replica: ContextVar[bool] = ContextVar("use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reads_alias() -> str:
    """The database for lag-tolerant bulk reads (export rows): the replica when there is one."""
    return REPLICA if replica_configured() else "default"


@contextmanager
def reads_from_replica():
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _use_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
