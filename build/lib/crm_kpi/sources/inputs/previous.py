"""The last good load of an input table, read back from the warehouse.

When an input file is missing or unreadable, the source re-yields these rows instead of
replacing the table with nothing (a plan-vs-fact report must not go blank silently).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import duckdb

from crm_kpi.config import RAW_SCHEMAS

from .validation import Row

logger = logging.getLogger("crm_kpi.ingestion.inputs")


def last_good_rows(warehouse: Path, columns: dict[str, list[str]]) -> Callable[[str], list[Row]]:
    """A function giving the rows now in ``raw_inputs.<table>`` (``columns[table]`` only)."""

    def rows(table: str) -> list[Row]:
        if not warehouse.exists() or table not in columns:
            return []
        names = columns[table]
        query = (
            f"select {', '.join(names)} from {RAW_SCHEMAS['inputs']}.{table} "
            "order by source_file, source_line"
        )
        try:
            with duckdb.connect(str(warehouse), read_only=True) as connection:
                return [
                    dict(zip(names, values, strict=True))
                    for values in connection.execute(query).fetchall()
                ]
        except duckdb.CatalogException:
            return []  # never loaded
        except duckdb.Error as error:
            logger.warning("cannot read the last good %s from %s: %s", table, warehouse, error)
            return []

    return rows
