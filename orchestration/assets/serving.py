"""Serving assets: publish the checked marts (snapshot, Parquet/CSV), PostgreSQL, report, digest.

They run after the marts and their blocking checks: the published snapshot depends on every
mart asset and the BI dimensions, so a failed blocking check on a mart stops publishing and
yesterday's snapshot stays live.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from crm_kpi.config import get_serving_settings, get_settings
from orchestration.assets.crm_ingestion import WAREHOUSE_POOL
from serving.snapshot import publish_snapshot
from serving.tables import DIMENSIONS, MARTS_SCHEMA

logger = logging.getLogger("crm_kpi.orchestration")

SERVING_GROUP = "serving"
SNAPSHOT_KEY = AssetKey(["serving", "published_snapshot"])


def published_upstream_keys(keys: Iterable[AssetKey]) -> list[AssetKey]:
    """The asset keys the snapshot waits for: every mart and the BI dimensions among ``keys``."""
    dimensions = {AssetKey([schema, name]) for schema, name in DIMENSIONS}
    return sorted(
        (key for key in keys if key.path[0] == MARTS_SCHEMA or key in dimensions),
        key=lambda key: key.to_user_string(),
    )


def build_serving_assets(upstream: Sequence[AssetKey]) -> list[AssetsDefinition]:
    """The serving assets, downstream of ``upstream`` (the mart and dimension asset keys)."""

    @asset(
        key=SNAPSHOT_KEY,
        deps=list(upstream),
        group_name=SERVING_GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "parquet", "csv"},
        description="Every mart and BI dimension, published to a read-only DuckDB file and "
        "Parquet/CSV files, swapped in atomically after the mart checks pass.",
    )
    def published_snapshot() -> MaterializeResult:
        settings, serving = get_settings(), get_serving_settings()
        logger.info("publishing the marts to %s ...", serving.serving_dir)
        result = publish_snapshot(settings.warehouse_path, serving.serving_dir)
        return MaterializeResult(
            metadata={
                "version": result.version,
                "snapshot": MetadataValue.path(str(result.snapshot_path)),
                "files": MetadataValue.path(str(result.files_dir)),
                "tables": MetadataValue.json(result.row_counts),
                "rows": sum(result.row_counts.values()),
            }
        )

    return [published_snapshot]
