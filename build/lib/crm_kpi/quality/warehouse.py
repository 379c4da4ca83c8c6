"""Read warehouse tables for validation, never holding a write lock."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

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


def read_columns(
    connection: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str] = ()
) -> pd.DataFrame:
    """``schema.table`` as a DataFrame: the given columns that exist, or all of them."""
    schema, name = table.split(".", 1)
    existing = columns_of(connection, table)
    wanted = [c for c in columns if c in existing] if columns else existing
    selected = ", ".join(f'"{c}"' for c in wanted) or "*"
    return connection.execute(f'select {selected} from "{schema}"."{name}"').df()


def read_table(warehouse_path: Path, table: str) -> pd.DataFrame:
    """The whole of ``schema.table`` as a DataFrame, over a read-only connection."""
    with read_only(warehouse_path) as connection:
        return read_columns(connection, table)
