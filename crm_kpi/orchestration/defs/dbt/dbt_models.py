"""dbt assets: every model of ``dbt_project/`` (staging → core → marts) and its data tests.

The dbt resource (``crm_kpi.orchestration.resources.WarehouseDbtResource``) builds in the
``Warehouse`` resource's warehouse; the translator groups the models by layer.
"""

import hashlib
import json
import logging
import shutil
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Config, MaterializeResult, Output, RetryPolicy
from dagster_dbt import DbtProject, dbt_assets

from crm_kpi.config import DBT_PROJECT_DIR, dbt_target_path, in_dagster_dev, warehouse_from_env
from crm_kpi.orchestration.defs.dbt.layers import LayerTranslator
from crm_kpi.orchestration.defs.dbt.table_metadata import table_metadata
from crm_kpi.orchestration.defs.dlt.crm_ingestion import WAREHOUSE_POOL
from crm_kpi.orchestration.resources import WarehouseDbtResource
from crm_kpi.warehouse import Warehouse

# Unit tests pin formulas on fixtures; they run in CI (tests/dbt), not every night.
logger = logging.getLogger("crm_kpi.orchestration")
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]


def dbt_executable() -> str:
    """The dbt of this environment, found even when the virtualenv is not activated."""
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


# What `dbt parse` reads: a manifest older than any of these no longer matches the project.
PARSED_SOURCES = ("models", "macros", "tests", "seeds", "snapshots", "dbt_project.yml")
# Beside the manifest: a hash of the target and profile variables the parse ran with.
PARSE_STAMP = "crm_kpi_parsed_for.txt"


def parse_stamp(warehouse: Warehouse) -> str:
    """What dbt's partial parsing compares (target, connection), hashed: no password on disk."""
    profile = json.dumps([warehouse.dbt_target, warehouse.dbt_env()], sort_keys=True)
    return hashlib.sha256(profile.encode()).hexdigest()


def manifest_is_stale(
    manifest_path: Path, project_dir: Path = DBT_PROJECT_DIR, stamp: str | None = None
) -> bool:
    """No manifest yet, a model, macro, test or the project file changed after it, or (with
    ``stamp``) it was parsed for another warehouse or target."""
    if not manifest_path.exists():
        return True
    stamp_path = manifest_path.with_name(PARSE_STAMP)
    if stamp is not None and (not stamp_path.exists() or stamp_path.read_text() != stamp):
        return True
    parsed_at = manifest_path.stat().st_mtime
    for name in PARSED_SOURCES:
        source = project_dir / name
        files = source.rglob("*") if source.is_dir() else [source]
        if any(f.is_file() and f.stat().st_mtime > parsed_at for f in files):
            return True
    return False


@cache
def dbt_project() -> DbtProject:
    """The dbt project, with its manifest prepared (``dbt parse``) when missing, stale or in dev.

    A stale manifest (models edited since the last parse) would make the build emit events
    for nodes Dagster does not know, and fail. The parse runs with the very target and
    warehouse of this process's dbt resource, so that the build's own parse is a partial one
    (dbt re-parses everything when the target or the connection differ).
    """
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=dbt_target_path(),
    )
    warehouse = warehouse_from_env()
    stamp = parse_stamp(warehouse)
    # `dagster dev` sets DAGSTER_IS_DEV_CLI: re-parse there so model edits show up.
    if manifest_is_stale(project.manifest_path, stamp=stamp) or in_dagster_dev():
        (
            WarehouseDbtResource(
                project_dir=project,
                dbt_executable=dbt_executable(),
                target=warehouse.dbt_target,
                warehouse=warehouse,
            )
            .cli(["--quiet", "parse"], target_path=project.target_path)
            .wait()
        )
        project.manifest_path.with_name(PARSE_STAMP).write_text(stamp)
    return project


def build_args(full_refresh: bool = False) -> list[str]:
    """The dbt command the asset runs."""
    return [*BUILD_ARGS, "--full-refresh"] if full_refresh else list(BUILD_ARGS)


class DbtBuildConfig(Config):
    """Run configuration of the dbt step (the full-refresh job sets ``full_refresh``)."""

    full_refresh: bool = False


def _with_metadata(event: Any, context: AssetExecutionContext, extra: dict[Any, Any]) -> Any:
    if isinstance(event, Output):
        key = context.asset_key_for_output(event.output_name)
        return (
            event.with_metadata({**event.metadata, **extra.get(key, {})}) if key in extra else event
        )
    if isinstance(event, MaterializeResult) and event.asset_key in extra:
        return event._replace(metadata={**(event.metadata or {}), **extra[event.asset_key]})
    return event


# A failing dbt build is deterministic: no step retries here (ingestion gets them).
@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=LayerTranslator(),
    pool=WAREHOUSE_POOL,
    retry_policy=RetryPolicy(max_retries=0),
)
def crm_kpi_dbt(
    context: AssetExecutionContext, dbt: WarehouseDbtResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """Build the views and tables of the warehouse and run their data tests.

    Events are held until dbt exits: then the DuckDB file is free to read row counts and
    mart previews (asset metadata) without meeting dbt's write lock.
    """
    logger.info(
        "building staging, core and marts (dbt build%s) ...",
        " --full-refresh" if config.full_refresh else "",
    )
    events: list[Any] = []
    try:
        events.extend(dbt.cli(build_args(config.full_refresh), context=context).stream())
    finally:
        # Also when dbt failed: what it did build is reported, then the error propagates.
        extra = table_metadata(dbt.warehouse, context.selected_asset_keys)
        for event in events:
            yield _with_metadata(event, context, extra)
    built = sum(type(event).__name__ in ("Output", "MaterializeResult") for event in events)
    logger.info("dbt build finished: %d models built, their data tests passed", built)
