"""Scale-out settings: export rows from the read replica when one is configured; the replica
is never migrated or written."""

from core.db_router import ReplicaRouter, reads_alias, reads_from_replica
from reports.models import ExportJob


def test_without_a_replica_everything_reads_the_primary(settings):
    assert "replica" not in settings.DATABASES
    assert reads_alias() == "default"
    with reads_from_replica():
        assert ReplicaRouter().db_for_read(ExportJob) is None


def test_with_a_replica_export_rows_read_it_and_writes_stay_on_the_primary(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    router = ReplicaRouter()
    assert reads_alias() == "replica"
    assert router.db_for_read(ExportJob) is None  # only code that opts in reads the replica
    with reads_from_replica():
        assert router.db_for_read(ExportJob) == "replica"
    assert router.db_for_write(ExportJob) == "default"
    assert router.allow_migrate("replica", "reports") is False
    assert router.allow_migrate("default", "reports") is True


def test_the_router_is_installed(settings):
    assert settings.DATABASE_ROUTERS == ["core.db_router.ReplicaRouter"]
