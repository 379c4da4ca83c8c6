"""Which warehouse tables are published: every mart, plus the dimensions BI needs.

Tables are discovered at run time, so a new mart is published without touching this code.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

MARTS_SCHEMA = "marts"
# dim_accounts (account name, CRM, time zone, data horizon) is published once dbt builds it.
DIMENSIONS = (
    ("core", "dim_accounts"),
    ("core", "dim_managers"),
    ("core", "dim_pipeline_stages"),
    ("core", "dim_dates"),
)


@dataclass(frozen=True)
class SourceTable:
    """One warehouse table and the name it is published under (names are unique: mart_*, dim_*)."""

    schema: str
    name: str

    @property
    def qualified(self) -> str:
        """``schema.name``, quoted for DuckDB."""
        return f'"{self.schema}"."{self.name}"'


def discover_tables(connection: duckdb.DuckDBPyConnection, catalog: str) -> list[SourceTable]:
    """Every base table of the ``marts`` schema, then the BI dimensions present in ``catalog``."""
    rows = connection.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_type = 'BASE TABLE'
        order by table_name
        """,
        [catalog],
    ).fetchall()
    present = set(rows)
    marts = [SourceTable(schema, name) for schema, name in rows if schema == MARTS_SCHEMA]
    dims = [SourceTable(schema, name) for schema, name in DIMENSIONS if (schema, name) in present]
    return marts + dims
