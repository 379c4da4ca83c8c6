"""Read warehouse tables over a read-only DuckDB connection (used by the dbt table metadata)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# A run's writer (dlt, dbt) holds the file briefly after its step; wait that out.
LOCK_ATTEMPTS = 6
LOCK_WAIT_SECONDS = 2.0


class WarehouseUnavailable(RuntimeError):
    """The warehouse file cannot be opened for reading."""


@contextmanager
def read_only(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, retried while another process holds the write lock."""
    if not warehouse_path.exists():
        raise WarehouseUnavailable(
            f"warehouse {warehouse_path} does not exist: run the pipeline first"
        )
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            connection = duckdb.connect(str(warehouse_path), read_only=True)
            break
        except duckdb.IOException as error:
            if attempt == LOCK_ATTEMPTS:
                raise WarehouseUnavailable(
                    f"cannot open {warehouse_path} read-only (another process writes it?): {error}"
                ) from error
            time.sleep(LOCK_WAIT_SECONDS * attempt)
    try:
        yield connection
    finally:
        connection.close()


def columns_of(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of ``schema.table`` in order; empty when the table does not exist."""
    schema, name = table.split(".", 1)
    rows = connection.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [row[0] for row in rows]
