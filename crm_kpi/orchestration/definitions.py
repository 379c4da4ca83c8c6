"""The Dagster code location of crm-kpi (``dagster dev -w workspace.yaml``).

The definitions are laid out by integration under ``defs/`` (dlt, dbt, quality, serving,
forecasting) and merged here; every CRM comes from the registry, so a CRM registered before
``build_definitions()`` runs gets its assets, partitions, job and checks without an edit here.
"""

from __future__ import annotations

from typing import Any

from dagster import AssetKey, Definitions
from dagster_dbt.asset_utils import DAGSTER_DBT_UNIQUE_ID_METADATA_KEY

from crm_kpi.config import OrchestrationSettings
from crm_kpi.orchestration.defs.dbt.dbt_models import crm_kpi_dbt, dbt_project
from crm_kpi.orchestration.defs.dbt.layers import exposure_specs
from crm_kpi.orchestration.defs.dlt.crm_ingestion import (
    accounts_merged_asset,
    build_crm_raw_assets,
)
from crm_kpi.orchestration.defs.dlt.inputs_ingestion import inputs_raw
from crm_kpi.orchestration.defs.forecasting.win_model import win_model
from crm_kpi.orchestration.defs.quality.checks import build_checks
from crm_kpi.orchestration.defs.quality.data_docs import DATA_DOCS_SENSORS
from crm_kpi.orchestration.defs.serving.serving_assets import (
    SNAPSHOT_KEY,
    build_serving_assets,
    published_upstream_keys,
)
from crm_kpi.orchestration.freshness import with_freshness
from crm_kpi.orchestration.jobs import build_jobs
from crm_kpi.orchestration.resources import build_resources
from crm_kpi.orchestration.sensors import build_sensors
from crm_kpi.sources.registry import registered_crms


def build_definitions(resources: dict[str, Any] | None = None) -> Definitions:
    """The code location: assets of every registered CRM, dbt, checks, serving, jobs, sensors.

    ``resources`` replaces the ones built from the environment (tests).
    """
    # Definition-time values (retry policy, freshness windows) are plain, not EnvVars.
    orchestration = OrchestrationSettings.from_env(env_vars=False)
    plugins = registered_crms()
    raw_assets = build_crm_raw_assets()
    model_keys = _model_keys()
    jobs = build_jobs(plugins, raw_assets, orchestration)
    defs = Definitions(
        assets=[
            *raw_assets,
            accounts_merged_asset(raw_assets),
            inputs_raw,
            crm_kpi_dbt,
            win_model,
            *build_serving_assets(published_upstream_keys([*crm_kpi_dbt.keys, *win_model.keys])),
            *exposure_specs(dbt_project().manifest_path, model_keys, upstream=[SNAPSHOT_KEY]),
        ],
        asset_checks=build_checks(),
        jobs=jobs,
        sensors=[*build_sensors(jobs), *DATA_DOCS_SENSORS],
        resources={**build_resources(), **(resources or {})},
    )
    # Freshness policies on raw tables and marts (orchestration/freshness.py).
    return with_freshness(defs, orchestration.freshness_hours)


def _model_keys() -> dict[str, AssetKey]:
    """``{dbt unique_id: asset key}`` of the dbt assets."""
    by_id = {}
    for key in crm_kpi_dbt.keys:
        spec_metadata = crm_kpi_dbt.specs_by_key[key].metadata or {}
        unique_id = spec_metadata.get(DAGSTER_DBT_UNIQUE_ID_METADATA_KEY)
        if unique_id:
            by_id[unique_id] = key
    return by_id


defs = build_definitions()
