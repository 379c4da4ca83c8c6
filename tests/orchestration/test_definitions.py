"""The Dagster definitions load, and dlt and dbt agree on the raw tables' asset keys."""

from __future__ import annotations

from dagster import AssetKey

from orchestration.assets.crm_ingestion import amocrm_raw
from orchestration.assets.dbt_models import build_args, crm_kpi_dbt, dbt_project
from orchestration.definitions import defs
from orchestration.jobs import NIGHTLY_JOB_NAME, nightly_schedule


def test_job_schedule_and_checks_are_defined() -> None:
    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    assert job is not None
    schedule = defs.resolve_schedule_def("crm_kpi_nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Moscow"
    check_keys = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "gx_mart_manager_monthly" in check_keys


def test_schedule_is_configurable(monkeypatch) -> None:
    monkeypatch.setenv("CRM_KPI_SCHEDULE_CRON", "30 3 * * 1-5")
    monkeypatch.setenv("CRM_KPI_SCHEDULE_TIMEZONE", "Asia/Novosibirsk")
    schedule = nightly_schedule()
    assert schedule.cron_schedule == "30 3 * * 1-5"
    assert schedule.execution_timezone == "Asia/Novosibirsk"


def test_every_dbt_source_is_loaded_by_a_dlt_asset() -> None:
    manifest = dbt_project().manifest_path.read_text()
    import json

    sources = json.loads(manifest)["sources"].values()
    source_keys = {AssetKey([s["source_name"], s["name"]]) for s in sources}
    dlt_keys = set(amocrm_raw.keys)
    amocrm_sources = {key for key in source_keys if key.path[0] == "raw_amocrm"}
    assert amocrm_sources, "the dbt project declares no raw_amocrm source"
    assert amocrm_sources <= dlt_keys, amocrm_sources - dlt_keys
    assert dlt_keys <= amocrm_sources, f"loaded but never read by dbt: {dlt_keys - amocrm_sources}"


def test_dbt_models_depend_on_the_dlt_assets() -> None:
    graph = defs.resolve_asset_graph()
    staging_leads = AssetKey(["staging", "stg_amocrm__leads"])
    assert staging_leads in crm_kpi_dbt.keys
    assert AssetKey(["raw_amocrm", "leads"]) in graph.get(staging_leads).parent_keys


def test_nightly_build_skips_unit_tests_and_can_full_refresh() -> None:
    assert build_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert build_args(full_refresh=True)[-1] == "--full-refresh"
