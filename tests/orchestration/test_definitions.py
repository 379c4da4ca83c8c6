"""The Dagster definitions load, and dlt and dbt agree on the raw tables' asset keys."""

from __future__ import annotations

import os

from dagster import AssetKey

from crm_kpi.config import Settings
from crm_kpi.orchestration.definitions import defs
from crm_kpi.orchestration.defs.dbt.dbt_models import build_args, crm_kpi_dbt, dbt_project
from crm_kpi.orchestration.jobs import NIGHTLY_JOB_NAME

AMOCRM_RAW = "amocrm_ingestion"


def _raw_keys(job_name: str) -> set[AssetKey]:
    return set(defs.resolve_job_def(job_name).asset_layer.selected_asset_keys)


def test_jobs_sensor_and_checks_are_defined() -> None:
    from crm_kpi.orchestration.account_runs import NIGHTLY_SENSOR_NAME

    assert defs.resolve_job_def(NIGHTLY_JOB_NAME) is not None
    assert defs.resolve_sensor_def(NIGHTLY_SENSOR_NAME) is not None
    check_keys = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "gx_mart_manager_monthly" in check_keys


def test_settings_are_resources_with_their_defaults_and_env_vars(monkeypatch) -> None:
    settings = defs.resources["settings"]
    assert isinstance(settings, Settings)
    assert settings.schedule_cron == "0 2 * * *"
    assert settings.schedule_timezone == "Europe/Moscow"
    monkeypatch.setenv("CRM_KPI_SCHEDULE_CRON", "30 3 * * 1-5")
    configured = Settings.from_env()
    assert configured.schedule_cron.env_var_name == "CRM_KPI_SCHEDULE_CRON"  # shown in the UI
    assert Settings.from_env(env_vars=False).schedule_cron == "30 3 * * 1-5"
    assert {"settings", "serving_settings", "orchestration_settings", "warehouse", "dbt"} <= set(
        defs.resources
    )


def test_every_dbt_source_is_loaded_by_a_dlt_asset() -> None:
    manifest = dbt_project().manifest_path.read_text()
    import json

    sources = json.loads(manifest)["sources"].values()
    source_keys = {AssetKey([s["source_name"], s["name"]]) for s in sources}
    dlt_keys = _raw_keys(AMOCRM_RAW)
    # dlt's own tables (its load log gives the data horizon) are written by dlt, not a resource.
    amocrm_sources = {
        key
        for key in source_keys
        if key.path[0] == "raw_amocrm" and not key.path[1].startswith("_dlt")
    }
    assert amocrm_sources, "the dbt project declares no raw_amocrm source"
    assert amocrm_sources <= dlt_keys, amocrm_sources - dlt_keys
    assert dlt_keys <= amocrm_sources, f"loaded but never read by dbt: {dlt_keys - amocrm_sources}"


def test_dbt_models_depend_on_the_dlt_assets() -> None:
    graph = defs.resolve_asset_graph()
    staging_leads = AssetKey(["staging", "stg_amocrm__leads"])
    assert staging_leads in crm_kpi_dbt.keys
    assert AssetKey(["raw_amocrm", "leads"]) in graph.get(staging_leads).parent_keys
    # on DuckDB the staging models read the raw tables the accounts' merge wrote
    assert AssetKey(["raw", "accounts_merged"]) in graph.get(staging_leads).parent_keys


def test_dbt_assets_are_grouped_by_layer_and_exposures_are_downstream() -> None:
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in crm_kpi_dbt.keys}
    assert {"staging", "intermediate", "core", "marts"} <= groups
    assert "default" not in groups
    dashboard = graph.get(AssetKey(["exposures", "sales_team_performance"]))
    assert AssetKey(["marts", "mart_manager_monthly"]) in dashboard.parent_keys
    assert AssetKey(["serving", "published_snapshot"]) in dashboard.parent_keys


def test_nightly_build_skips_unit_tests_and_can_full_refresh() -> None:
    assert build_args() == ["build", "--exclude-resource-type", "unit_test"]
    assert build_args(full_refresh=True)[-1] == "--full-refresh"


def test_definitions_list_jobs_sensors_schedule_and_gx_checks() -> None:
    from crm_kpi.orchestration.jobs import FULL_REFRESH_JOB_NAME
    from crm_kpi.orchestration.sensors import FAILURE_SENSOR_NAME

    assert defs.resolve_job_def(FULL_REFRESH_JOB_NAME) is not None
    assert defs.resolve_sensor_def(FAILURE_SENSOR_NAME) is not None
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key, key.name) for key in graph.asset_check_keys}
    assert (AssetKey(["raw_amocrm", "leads"]), "gx_leads") in checks
    assert (AssetKey(["core", "fct_deals"]), "gx_fct_deals") in checks
    assert (AssetKey(["marts", "mart_manager_daily"]), "gx_mart_manager_daily") in checks
    # the marts' column sets are enforced dbt contracts: no GX column-list check (one owner)
    assert (
        AssetKey(["marts", "mart_manager_monthly"]),
        "columns_mart_manager_monthly",
    ) not in checks


def test_mart_checks_block_and_others_warn() -> None:
    from crm_kpi.orchestration.defs.quality.checks import build_checks

    specs = {spec.key.name: spec for check in build_checks() for spec in check.check_specs}
    assert specs["gx_mart_manager_monthly"].blocking
    assert not specs["gx_leads"].blocking
    assert not specs["gx_fct_deals"].blocking


def test_suites_of_missing_assets_are_skipped() -> None:
    from crm_kpi.orchestration.defs.quality.checks import build_checks

    only_daily = build_checks([AssetKey(["marts", "mart_manager_daily"])])
    assert {spec.key.name for check in only_daily for spec in check.check_specs} == {
        "gx_mart_manager_daily"
    }


def test_freshness_on_raw_and_marts_only() -> None:
    graph = defs.resolve_asset_graph()
    assert graph.get(AssetKey(["raw_amocrm", "leads"])).freshness_policy is not None
    assert graph.get(AssetKey(["marts", "mart_manager_monthly"])).freshness_policy is not None
    assert graph.get(AssetKey(["staging", "stg_amocrm__leads"])).freshness_policy is None


def test_runs_are_tagged_per_account_and_ingestion_retries() -> None:
    from crm_kpi.config import OrchestrationSettings
    from crm_kpi.orchestration.jobs import account_tags, ingestion_retry_policy
    from crm_kpi.sources.registry import CrmAccount

    account = CrmAccount(crm="amocrm", name="main", label="acme")
    assert account_tags(account) == {
        "crm_kpi/account": "amocrm.acme",
        "crm_kpi/ingestion": "amocrm",
    }
    policy = ingestion_retry_policy(OrchestrationSettings(retry_max=5))
    assert policy.max_retries == 5 and policy.backoff is not None
    ingestion = defs.resolve_job_def(AMOCRM_RAW)
    assert ingestion.partitions_def.name == "amocrm_accounts"
    # the raw tables' checks run after the accounts' merge, in the nightly job
    nightly = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    assert "quality_raw" in nightly.graph.node_names()
    assert "quality_raw" not in ingestion.graph.node_names()
    assert ingestion.tags["crm_kpi/ingestion"] == "amocrm"
    dbt_node = defs.resolve_job_def(NIGHTLY_JOB_NAME).graph.node_named("crm_kpi_dbt")
    assert dbt_node.definition.retry_policy.max_retries == 0


def test_run_queue_limits_accounts_with_one_tag_for_every_crm() -> None:
    import yaml

    from crm_kpi.config import PROJECT_ROOT

    instance = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    limits = {
        limit["key"]: limit for limit in instance["concurrency"]["runs"]["tag_concurrency_limits"]
    }
    assert limits["crm_kpi/account"]["value"] == {"applyLimitPerUniqueValue": True}
    assert limits["crm_kpi/ingestion"]["limit"] >= 2  # accounts load in parallel


def test_manifest_is_reparsed_when_the_project_changed(tmp_path) -> None:
    from crm_kpi.orchestration.defs.dbt.dbt_models import manifest_is_stale

    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    manifest = project / "target" / "manifest.json"
    assert manifest_is_stale(manifest, project)  # never parsed
    manifest.parent.mkdir()
    manifest.write_text("{}")
    model = project / "models" / "m.sql"
    model.write_text("select 1")
    os.utime(model, (manifest.stat().st_mtime - 60,) * 2)
    assert not manifest_is_stale(manifest, project)
    os.utime(model, (manifest.stat().st_mtime + 60,) * 2)
    assert manifest_is_stale(manifest, project)


def test_manifest_is_reparsed_for_another_warehouse(tmp_path) -> None:
    """The build's partial parse only holds for the target and connection of the last parse."""
    from crm_kpi.orchestration.defs.dbt.dbt_models import (
        PARSE_STAMP,
        manifest_is_stale,
        parse_stamp,
    )
    from crm_kpi.warehouse import Warehouse

    project = tmp_path / "dbt"
    manifest = project / "target" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    here = parse_stamp(Warehouse(url=f"duckdb:///{tmp_path}/a.duckdb"))
    assert manifest_is_stale(manifest, project, stamp=here)  # parsed before stamps existed
    manifest.with_name(PARSE_STAMP).write_text(here)
    assert not manifest_is_stale(manifest, project, stamp=here)
    there = parse_stamp(Warehouse(url=f"duckdb:///{tmp_path}/b.duckdb"))
    assert manifest_is_stale(manifest, project, stamp=there)
    postgres = Warehouse(url="postgresql://u:secret@db:5432/crm")
    assert "secret" not in parse_stamp(postgres)


def test_the_dbt_version_is_known_without_a_dbt_subprocess(monkeypatch) -> None:
    """dagster-dbt asks ``dbt --version`` (a dbt import) per resource; ours reads the package."""
    import subprocess

    import dagster_dbt.core.resource

    from crm_kpi.orchestration.defs.dbt.dbt_models import dbt_project
    from crm_kpi.orchestration.resources import build_resources

    project = dbt_project()

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_subprocess)
    dbt = build_resources()["dbt"]
    assert dbt.project_dir == str(project.project_dir)
    assert dbt._cli_version.major == 1


def test_the_definitions_load_without_the_libraries_only_runs_need() -> None:
    """GX, scikit-learn and matplotlib cost every process that loads the definitions ~5 s and
    ~180 MB."""
    import subprocess
    import sys

    probe = (
        "import sys, crm_kpi.orchestration.definitions; "
        "libraries = ('great_expectations', 'sklearn', 'matplotlib'); "
        "print(sorted(m for m in libraries if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr[-2000:]
