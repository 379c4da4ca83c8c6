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
        assert runs.max_concurrent_runs == 1
        limited = {limit["key"] for limit in runs.tag_concurrency_limits}
        assert limited == {"crm_kpi/amocrm_account", "crm_kpi/bitrix24_account"}


def test_postgres_variant_differs_only_by_storage() -> None:
    default = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    postgres = yaml.safe_load((PROJECT_ROOT / "orchestration/dagster.postgres.yaml").read_text())
    assert set(postgres.pop("storage")) == {"postgres"}
    assert postgres == default
