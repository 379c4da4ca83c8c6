"""Copy the published tables of a PostgreSQL warehouse into the serving DuckDB snapshot.

With the warehouse on PostgreSQL, the snapshot file (and the Parquet/CSV files and the HTML
report built from it) is still DuckDB: each table is created with the DuckDB types of its
PostgreSQL columns and filled through Arrow. Numeric values travel as text so that no decimal
is rounded on the way.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
from psycopg import sql

from crm_kpi.serving.tables import DIMENSIONS, MARTS_SCHEMA, SourceTable

logger = logging.getLogger("crm_kpi.serving")

FETCH_ROWS = 10_000
_DUCKDB_TYPES = {
    "smallint": "smallint",
    "integer": "integer",
    "bigint": "bigint",
    "boolean": "boolean",
    "real": "float",
    "double precision": "double",
    "date": "date",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "interval": "interval",
    "uuid": "uuid",
    "json": "json",
    "jsonb": "json",
}


def duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    """The DuckDB type of a PostgreSQL column (information_schema's data_type); else varchar."""
    if data_type == "numeric":
        if precision is not None and precision <= 38:
            return f"decimal({precision}, {scale or 0})"
        return "double"
    return _DUCKDB_TYPES.get(data_type, "varchar")


def discover_postgres_tables(cursor: psycopg.Cursor) -> list[SourceTable]:
    """Every base table of ``marts``, then the BI dimensions present (as ``discover_tables``)."""
    cursor.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = current_database() and table_type = 'BASE TABLE'"
        " order by table_name"
    )
    rows = [(schema, name) for schema, name in cursor.fetchall()]
    present = set(rows)
    marts = [SourceTable(schema, name) for schema, name in rows if schema == MARTS_SCHEMA]
    dims = [SourceTable(schema, name) for schema, name in DIMENSIONS if (schema, name) in present]
    return marts + dims


def copy_tables(
    dsn: str, target: duckdb.DuckDBPyConnection, exclude: Collection[str] = ()
) -> dict[str, int]:
    """Copy the published tables of the warehouse ``dsn`` into ``main`` of ``target``.

    Rows of the accounts in ``exclude`` are left out of every table with an ``account_key``.
    Returns ``{table: rows}``; empty when the warehouse has no marts.
    """
    row_counts: dict[str, int] = {}
    options = "-c default_transaction_read_only=on"
    with psycopg.connect(dsn, connect_timeout=15, options=options) as source:
        with source.cursor() as cursor:
            tables = discover_postgres_tables(cursor)
        if not any(table.schema == MARTS_SCHEMA for table in tables):
            return {}
        for table in tables:
            row_counts[table.name] = _copy_table(source, target, table, exclude)
            logger.info(
                "publish: %s.%s (%d rows)", table.schema, table.name, row_counts[table.name]
            )
    return row_counts


def _copy_table(
    source: psycopg.Connection,
    target: duckdb.DuckDBPyConnection,
    table: SourceTable,
    exclude: Collection[str],
) -> int:
    with source.cursor() as cursor:
        cursor.execute(
            "select column_name, data_type, numeric_precision, numeric_scale"
            " from information_schema.columns where table_schema = %s and table_name = %s"
            " order by ordinal_position",
            [table.schema, table.name],
        )
        columns = cursor.fetchall()
    types = [(name, duckdb_type(kind, digits, scale)) for name, kind, digits, scale in columns]
    column_list = ", ".join(f'"{name}" {kind}' for name, kind in types)
    target.execute(f'create table main."{table.name}" ({column_list})')
    selected = sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(name))
        if kind in ("numeric", "json", "jsonb", "interval", "uuid")
        or duckdb_type(kind, None, None) == "varchar"
        else sql.Identifier(name)
        for name, kind, _, _ in columns
    )
    where = sql.SQL("")
    if exclude and "account_key" in {name for name, *_ in columns}:
        where = sql.SQL(" where account_key <> all({})").format(sql.Literal(sorted(exclude)))
    query = sql.SQL("select {} from {}{}").format(
        selected, sql.Identifier(table.schema, table.name), where
    )
    rows = 0
    with source.cursor(name=f"copy_{table.name}") as cursor:
        cursor.execute(query)
        while batch := cursor.fetchmany(FETCH_ROWS):
            _insert(target, table.name, [name for name, _ in types], batch)
            rows += len(batch)
    return rows


def _insert(
    target: duckdb.DuckDBPyConnection, table: str, names: list[str], batch: list[tuple[Any, ...]]
) -> None:
    arrow_batch = pa.table(
        {f"c{i}": pa.array([row[i] for row in batch]) for i in range(len(names))}
    )
    target.register("pg_batch", arrow_batch)
    try:
        target.execute(f'insert into main."{table}" select * from pg_batch')
    finally:
        target.unregister("pg_batch")
