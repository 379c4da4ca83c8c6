"""Serving assets: publish the checked marts (snapshot, Parquet/CSV), PostgreSQL, report, digest.

They run after the marts and their blocking checks: the published snapshot depends on every
mart asset and the BI dimensions, so a failed blocking check on a mart stops publishing and
yesterday's snapshot stays live.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset

from crm_kpi.config import PG_DSN_ENV, get_serving_settings, get_settings
from orchestration.assets.crm_ingestion import WAREHOUSE_POOL
from orchestration.assets.dbt_models import dbt_project
from serving.dbt_docs import TableDoc, load_table_docs, render_markdown
from serving.pbids import write_pbids
from serving.postgres import PostgresTarget, publish_to_postgres
from serving.snapshot import publish_snapshot, snapshot_path
from serving.tables import DIMENSIONS, MARTS_SCHEMA

logger = logging.getLogger("crm_kpi.orchestration")

SERVING_GROUP = "serving"
SNAPSHOT_KEY = AssetKey(["serving", "published_snapshot"])
POSTGRES_KEY = AssetKey(["serving", "postgres_marts"])
PBIDS_FILE = "powerbi/crm_kpi_postgresql.pbids"


def _table_docs() -> dict[str, TableDoc]:
    return load_table_docs(dbt_project().manifest_path)


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
        readme = render_markdown(_table_docs())
        result = publish_snapshot(settings.warehouse_path, serving.serving_dir, readme=readme)
        return MaterializeResult(
            metadata={
                "version": result.version,
                "snapshot": MetadataValue.path(str(result.snapshot_path)),
                "files": MetadataValue.path(str(result.files_dir)),
                "tables": MetadataValue.json(result.row_counts),
                "rows": sum(result.row_counts.values()),
            }
        )

    @asset(
        key=POSTGRES_KEY,
        deps=[SNAPSHOT_KEY],
        group_name=SERVING_GROUP,
        kinds={"postgres"},
        description="The published tables in a PostgreSQL schema (swapped in by renames in one "
        "transaction) with a read-only BI role, and a Power BI .pbids file. Off unless "
        f"{PG_DSN_ENV} is set.",
    )
    def postgres_marts() -> MaterializeResult:
        serving = get_serving_settings()
        if not serving.pg_dsn:
            message = f"PostgreSQL publish skipped: {PG_DSN_ENV} is not set"
            logger.info(message)
            return MaterializeResult(metadata={"published": False, "reason": message})
        target = PostgresTarget(
            dsn=serving.pg_dsn,
            schema=serving.pg_schema,
            bi_role=serving.pg_bi_role,
            bi_password=serving.pg_bi_password,
        )
        logger.info("publishing the marts to PostgreSQL schema %s ...", target.schema)
        docs = {name: doc.as_comments() for name, doc in _table_docs().items()}
        result = publish_to_postgres(snapshot_path(serving.serving_dir), target, docs=docs)
        pbids = write_pbids(serving.pg_dsn, serving.serving_dir / PBIDS_FILE)
        return MaterializeResult(
            metadata={
                "published": True,
                "database": result.database,
                "schema": result.schema,
                "bi_role": target.bi_role,
                "tables": MetadataValue.json(result.row_counts),
                "pbids": MetadataValue.path(str(pbids)),
            }
        )

    return [published_snapshot, postgres_marts]
