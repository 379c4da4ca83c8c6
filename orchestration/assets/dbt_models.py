"""dbt assets: every model of ``dbt_project/`` (staging → core → marts) and its data tests."""

import logging
from collections.abc import Iterator
from functools import cache
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from crm_kpi.config import DBT_PROJECT_DIR, export_warehouse_env
from orchestration.assets.crm_ingestion import WAREHOUSE_POOL

# Unit tests pin formulas on fixtures; they run in CI (tests/dbt), not every night.
logger = logging.getLogger("crm_kpi.orchestration")
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


@cache
def dbt_project() -> DbtProject:
    """The dbt project, with its manifest prepared (``dbt parse``) when it is missing."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    export_warehouse_env()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)
    else:
        project.prepare_if_dev()
    return project


def build_args(full_refresh: bool = False) -> list[str]:
    """The dbt command the asset runs."""
    return [*BUILD_ARGS, "--full-refresh"] if full_refresh else list(BUILD_ARGS)


@dbt_assets(manifest=dbt_project().manifest_path, project=dbt_project(), pool=WAREHOUSE_POOL)
def crm_kpi_dbt(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Build the views and tables of the warehouse and run their data tests."""
    export_warehouse_env()
    logger.info("building staging, core and marts (dbt build) ...")
    built = 0
    for event in dbt.cli(build_args(), context=context).stream():
        built += type(event).__name__ in ("Output", "MaterializeResult")
        yield event
    logger.info("dbt build finished: %d models built, their data tests passed", built)
