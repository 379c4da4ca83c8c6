"""The serving assets wait for the marts and do not publish when a blocking mart check fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dagster import AssetCheckResult, AssetKey, asset, asset_check, materialize
from serving_fixtures import drop_role

from crm_kpi.orchestration.defs.serving.serving_assets import (
    DIGEST_KEY,
    GATE_KEY,
    PBIDS_FILE,
    POSTGRES_KEY,
    REPORT_KEY,
    SNAPSHOT_KEY,
    build_serving_assets,
    published_upstream_keys,
)
from crm_kpi.serving.snapshot import snapshot_path


def _toy_mart(check_passes: bool):
    @asset(key=AssetKey(["marts", "mart_manager_monthly"]))
    def mart() -> None:
        """Stands in for the dbt mart."""

    @asset_check(asset=mart.key, blocking=True)
    def gx_mart() -> AssetCheckResult:
        return AssetCheckResult(passed=check_passes)

    return mart, gx_mart


@pytest.fixture
def serving_env(small_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_KPI_WAREHOUSE", str(small_warehouse))
    monkeypatch.setenv("CRM_KPI_SERVING_DIR", str(tmp_path / "serving"))
    for name in ("CRM_KPI_PG_DSN", "CRM_KPI_DIGEST_RECIPIENTS", "CRM_KPI_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "serving"


def test_upstream_keys_are_the_marts_and_the_bi_dimensions() -> None:
    keys = [
        AssetKey(["marts", "mart_b"]),
        AssetKey(["core", "fct_deals"]),
        AssetKey(["core", "dim_managers"]),
        AssetKey(["staging", "stg_amocrm__leads"]),
        AssetKey(["marts", "mart_a"]),
    ]
    assert published_upstream_keys(keys) == [
        AssetKey(["core", "dim_managers"]),
        AssetKey(["marts", "mart_a"]),
        AssetKey(["marts", "mart_b"]),
    ]


def test_a_passing_check_publishes(serving_env: Path) -> None:
    mart, gx_mart = _toy_mart(check_passes=True)
    serving_assets = build_serving_assets([mart.key])
    result = materialize(
        [mart, gx_mart, *serving_assets], raise_on_error=False, resources=_resources()
    )
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert SNAPSHOT_KEY in materialized
    assert snapshot_path(serving_env).exists()


def test_a_failing_blocking_check_stops_publishing(serving_env: Path) -> None:
    mart, gx_mart = _toy_mart(check_passes=False)
    serving_assets = build_serving_assets([mart.key])
    result = materialize(
        [mart, gx_mart, *serving_assets], raise_on_error=False, resources=_resources()
    )
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert SNAPSHOT_KEY not in materialized
    assert not snapshot_path(serving_env).exists()


def _metadata(result, key: AssetKey) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_postgres_is_skipped_with_a_clear_message_when_not_configured(serving_env: Path) -> None:
    mart, gx_mart = _toy_mart(check_passes=True)
    assets = build_serving_assets([mart.key])
    result = materialize([mart, gx_mart, *assets], raise_on_error=False, resources=_resources())
    assert result.success
    metadata = _metadata(result, POSTGRES_KEY)
    assert metadata["published"] is False
    assert "CRM_KPI_PG_DSN is not set" in metadata["reason"]


def test_postgres_publish_and_pbids_when_configured(
    serving_env: Path, postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_KPI_PG_DSN", postgres_dsn)
    monkeypatch.setenv("CRM_KPI_PG_SCHEMA", "crm_kpi_asset_test")
    monkeypatch.setenv("CRM_KPI_PG_BI_ROLE", "crm_kpi_serving_bi_asset_test")
    mart, gx_mart = _toy_mart(check_passes=True)
    assets = build_serving_assets([mart.key])
    try:
        result = materialize([mart, gx_mart, *assets], raise_on_error=False, resources=_resources())
        assert result.success
        metadata = _metadata(result, POSTGRES_KEY)
        assert metadata["published"] is True
        assert metadata["schema"] == "crm_kpi_asset_test"
        pbids = json.loads((serving_env / PBIDS_FILE).read_text(encoding="utf-8"))
        address = pbids["connections"][0]["details"]["address"]
        assert address == {"server": "127.0.0.1", "database": "crm_kpi_serving_test"}
    finally:
        drop_role("crm_kpi_serving_bi_asset_test")


def test_the_project_publishes_after_every_mart_and_bi_dimension() -> None:
    from crm_kpi.orchestration.definitions import defs
    from crm_kpi.orchestration.defs.dbt.dbt_models import crm_kpi_dbt

    graph = defs.resolve_asset_graph()
    parents = graph.get(SNAPSHOT_KEY).parent_keys
    marts = {key for key in crm_kpi_dbt.keys if key.path[0] == "marts"}
    assert AssetKey(["marts", "mart_manager_monthly"]) in marts
    assert marts | {AssetKey(["core", "dim_managers"]), AssetKey(["core", "dim_dates"])} <= parents
    assert AssetKey(["core", "fct_deals"]) not in parents
    serving_keys = {key for key in graph.get_all_asset_keys() if key.path[0] == "serving"}
    assert serving_keys == {SNAPSHOT_KEY, POSTGRES_KEY, REPORT_KEY, DIGEST_KEY, GATE_KEY}


def _resources() -> dict:
    """The code location's resources, read from this test's (monkeypatched) environment."""
    from crm_kpi.orchestration.resources import build_resources

    return build_resources(env_vars=False)
