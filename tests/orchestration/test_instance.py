"""dagster.yaml (SQLite) and the PostgreSQL variant are valid instance configurations."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from dagster import DagsterInstance

from crm_kpi.config import PROJECT_ROOT


def test_default_instance_is_sqlite_with_retries_and_per_account_limits(
    tmp_path: Path, monkeypatch
) -> None:
    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert instance.get_settings("telemetry") == {"enabled": False}
        runs = instance.get_concurrency_config().run_queue_config
        assert runs.max_concurrent_runs > 1  # accounts load in parallel runs
        limited = {limit["key"] for limit in runs.tag_concurrency_limits}
        assert limited == {"crm_kpi/account", "crm_kpi/ingestion"}


def test_postgres_variant_differs_only_by_storage() -> None:
    default = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    postgres = yaml.safe_load(
        (PROJECT_ROOT / "crm_kpi/orchestration/dagster.postgres.yaml").read_text()
    )
    assert set(postgres.pop("storage")) == {"postgres"}
    assert postgres == default


def test_postgres_variant_runs_a_job_on_real_postgresql(tmp_path: Path, monkeypatch) -> None:
    """The documented PostgreSQL instance works: a run and its events land in PostgreSQL."""
    from dagster import job, op
    from psycopg.conninfo import conninfo_to_dict
    from service_helpers import start_postgres

    dsn = conninfo_to_dict(start_postgres("crm_kpi_dagster_instance_test"))
    shutil.copy(
        PROJECT_ROOT / "crm_kpi/orchestration/dagster.postgres.yaml", tmp_path / "dagster.yaml"
    )
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("CRM_KPI_DAGSTER_PG_HOST", str(dsn["host"]))
    monkeypatch.setenv("CRM_KPI_DAGSTER_PG_DB", str(dsn["dbname"]))
    monkeypatch.setenv("CRM_KPI_DAGSTER_PG_USER", str(dsn["user"]))
    monkeypatch.setenv("CRM_KPI_DAGSTER_PG_PASSWORD", str(dsn["password"]))

    @op
    def hello() -> int:
        return 1

    @job
    def smoke() -> None:
        hello()

    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert smoke.execute_in_process(instance=instance).success
        assert len(instance.get_runs()) == 1
