"""Read warehouse tables for validation, never holding a write lock."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def read_table(warehouse_path: Path, table: str) -> pd.DataFrame:
    """The whole of ``schema.table`` as a DataFrame, over a read-only connection."""
    schema, name = table.split(".", 1)
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        return connection.execute(f'select * from "{schema}"."{name}"').df()
