"""The warehouse as Great Expectations sees it: a SQL datasource, so checks run in the database.

DuckDB goes through the ``duckdb-engine`` SQLAlchemy dialect, PostgreSQL through its native
one. GX 1.24 does not know DuckDB: it fetches a query's rows after handing its connection back
to the pool, and DuckDB drops the pending result on that rollback (every metric comes back
empty). GX keeps one connection open for the dialects it lists as needing it (SQLite, ...);
``keep_duckdb_connections`` adds DuckDB to that list, which is all it takes
(``tests/data_quality`` pin it); ``validation`` calls it when it imports GX. The helpers here
import no GX (the Dagster definitions read table columns with them).
"""

from __future__ import annotations

import enum

import sqlalchemy as sa


class _DuckDBDialect(enum.StrEnum):
    DUCKDB = "duckdb"


def keep_duckdb_connections() -> None:
    """Make GX's SQL engine keep its DuckDB connection open, as it does for SQLite."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine

    if _DuckDBDialect.DUCKDB not in engine._PERSISTED_CONNECTION_DIALECTS:
        engine._PERSISTED_CONNECTION_DIALECTS = (
            *engine._PERSISTED_CONNECTION_DIALECTS,
            _DuckDBDialect.DUCKDB,
        )


def columns_of(connection: sa.Connection, table: str) -> list[str]:
    """The columns of ``schema.table`` in order; empty when the table does not exist."""
    schema, name = table.split(".", 1)
    rows = connection.execute(
        sa.text(
            "select column_name from information_schema.columns "
            "where table_schema = :schema and table_name = :name order by ordinal_position"
        ),
        {"schema": schema, "name": name},
    )
    return [row[0] for row in rows]


def query_columns(connection: sa.Connection, sql: str) -> list[str]:
    """The columns a query returns (it is planned, not run: ``limit 0``)."""
    result = connection.execute(sa.text(f"select * from ({sql}) as q limit 0"))
    return list(result.keys())


def rows_by_account(connection: sa.Connection, table: str, columns: list[str]) -> dict[str, int]:
    """Row counts per ``account_key`` (or the whole table under ``*``), counted in SQL."""
    from crm_kpi.quality.history import ALL_ACCOUNTS

    if "account_key" not in columns:
        rows = connection.execute(sa.text(f"select count(*) from {table}")).scalar_one()
        return {ALL_ACCOUNTS: int(rows)}
    found = connection.execute(sa.text(f"select account_key, count(*) from {table} group by 1"))
    return {str(account): int(rows) for account, rows in found}


def select_columns(table: str, columns: list[str]) -> str:
    """``select <columns> from <table>`` (all columns when none are given)."""
    selected = ", ".join(f'"{c}"' for c in columns) or "*"
    return f"select {selected} from {table}"


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"
