"""Metadata that helps in the asset catalogue: row counts of tables, a preview of each mart."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
from dagster import AssetKey, MetadataValue

from crm_kpi.quality.warehouse import WarehouseUnavailable, columns_of, read_only

PREVIEW_ROWS = 10
COUNTED_SCHEMAS = ("core", "marts")
PREVIEWED_SCHEMAS = ("marts",)


def _preview(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    frame = connection.execute(f'select * from "{schema}"."{table}" limit {PREVIEW_ROWS}').df()
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"


def table_metadata(
    warehouse_path: Path, keys: Iterable[AssetKey]
) -> dict[AssetKey, dict[str, MetadataValue]]:
    """``dagster/row_count`` of every core and mart table, and a markdown preview of marts.

    Read after the writer (dbt) has finished, over a read-only connection; a table that
    cannot be read simply gets no metadata.
    """
    wanted = [key for key in keys if len(key.path) == 2 and key.path[0] in COUNTED_SCHEMAS]
    metadata: dict[AssetKey, dict[str, MetadataValue]] = {}
    try:
        with read_only(warehouse_path) as connection:
            for key in wanted:
                schema, table = key.path
                if not columns_of(connection, f"{schema}.{table}"):
                    continue
                (rows,) = connection.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()
                entry = {"dagster/row_count": MetadataValue.int(int(rows))}
                if schema in PREVIEWED_SCHEMAS:
                    entry["preview"] = MetadataValue.md(_preview(connection, schema, table))
                metadata[key] = entry
    except (WarehouseUnavailable, duckdb.Error):
        return metadata
    return metadata
