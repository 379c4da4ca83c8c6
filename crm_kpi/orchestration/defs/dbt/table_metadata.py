"""Metadata that helps in the asset catalogue: row counts of tables, a preview of each mart."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from dagster import AssetKey, MetadataValue

from crm_kpi.quality.sql import columns_of
from crm_kpi.warehouse import Warehouse, WarehouseUnavailable

PREVIEW_ROWS = 10
COUNTED_SCHEMAS = ("core", "marts")
PREVIEWED_SCHEMAS = ("marts",)


def _preview(connection: sa.Connection, schema: str, table: str) -> str:
    result = connection.execute(sa.text(f'select * from "{schema}"."{table}" limit {PREVIEW_ROWS}'))
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return frame.to_markdown(index=False) if not frame.empty else "(no rows)"


def table_metadata(
    warehouse: Warehouse, keys: Iterable[AssetKey]
) -> dict[AssetKey, dict[str, MetadataValue]]:
    """``dagster/row_count`` of every core and mart table, and a markdown preview of marts.

    Read after the writer (dbt) has finished, over a read-only connection; a table that
    cannot be read simply gets no metadata.
    """
    wanted = [key for key in keys if len(key.path) == 2 and key.path[0] in COUNTED_SCHEMAS]
    metadata: dict[AssetKey, dict[str, MetadataValue]] = {}
    if not wanted or not warehouse.exists:
        return metadata
    try:
        with warehouse.sql(read_only=True) as connection:
            for key in wanted:
                schema, table = key.path
                if not columns_of(connection, f"{schema}.{table}"):
                    continue
                rows = connection.execute(
                    sa.text(f'select count(*) from "{schema}"."{table}"')
                ).scalar_one()
                entry = {"dagster/row_count": MetadataValue.int(int(rows))}
                if schema in PREVIEWED_SCHEMAS:
                    entry["preview"] = MetadataValue.md(_preview(connection, schema, table))
                metadata[key] = entry
    except (WarehouseUnavailable, sa.exc.DBAPIError):
        return metadata
    return metadata
