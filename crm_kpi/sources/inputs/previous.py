"""The last good load of an input table, read back from the warehouse.

When an input file is missing or unreadable, the source re-yields these rows instead of
replacing the table with nothing (a plan-vs-fact report must not go blank silently).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from crm_kpi.warehouse import Warehouse, WarehouseUnavailable
from crm_kpi.warehouse.catalog import table_exists

from .settings import RAW_SCHEMA
from .validation import Row

logger = logging.getLogger("crm_kpi.ingestion.inputs")


def last_good_rows(
    warehouse: Warehouse, columns: dict[str, list[str]]
) -> Callable[[str], list[Row]]:
    """A function giving the rows now in ``raw_inputs.<table>`` (``columns[table]`` only)."""

    def rows(table: str) -> list[Row]:
        if not warehouse.exists or table not in columns:
            return []
        names = columns[table]
        query = (
            f"select {', '.join(names)} from {RAW_SCHEMA}.{table} order by source_file, source_line"
        )
        try:
            with warehouse.sql(read_only=True) as connection:
                if not table_exists(connection, f"{RAW_SCHEMA}.{table}"):
                    return []  # never loaded
                return [
                    dict(zip(names, values, strict=True))
                    for values in connection.execute(sa.text(query)).fetchall()
                ]
        except (sa.exc.DBAPIError, WarehouseUnavailable) as error:
            logger.warning(
                "cannot read the last good %s from %s: %s", table, warehouse.redacted_url, error
            )
            return []

    return rows
