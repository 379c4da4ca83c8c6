"""Publish the snapshot's tables into PostgreSQL with an atomic schema swap and a read-only BI role.

1. the tables are loaded into ``<schema>__loading`` (dropped first if a crashed run left it);
2. one short transaction renames ``<schema>`` to ``<schema>__old`` and ``<schema>__loading`` to
   ``<schema>``, then drops the old one: a BI query sees the old or the new set, never a mix;
3. the BI role (``crm_kpi_bi``) is created when missing, may connect and select, nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

logger = logging.getLogger("crm_kpi.serving")

BATCH_ROWS = 10_000
SWAP_LOCK_TIMEOUT = "60s"

_SIMPLE_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "UTINYINT": "smallint",
    "INTEGER": "integer",
    "USMALLINT": "integer",
    "BIGINT": "bigint",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "HUGEINT": "numeric(38, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}


class PostgresPublishError(RuntimeError):
    """Publishing to PostgreSQL failed; the previously published schema is untouched."""


@dataclass(frozen=True)
class PostgresTarget:
    """Where to publish: a libpq connection string or URI, the schema and the BI role."""

    dsn: str
    schema: str = "crm_kpi"
    bi_role: str = "crm_kpi_bi"
    bi_password: str | None = None


@dataclass(frozen=True)
class PostgresPublishResult:
    """What was published."""

    schema: str
    database: str
    row_counts: dict[str, int] = field(default_factory=dict)


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a DuckDB type; nested types become text."""
    upper = duckdb_type.upper()
    if upper in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[upper]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    return "text"


def _ensure_bi_role(cursor: psycopg.Cursor, target: PostgresTarget, database: str) -> None:
    role = sql.Identifier(target.bi_role)
    cursor.execute("select 1 from pg_roles where rolname = %s", [target.bi_role])
    if cursor.fetchone() is None:
        logger.info("postgres: creating the read-only BI role %s", target.bi_role)
        cursor.execute(sql.SQL("create role {} nologin").format(role))
    if target.bi_password:
        cursor.execute(
            sql.SQL("alter role {} login password {}").format(role, sql.Literal(target.bi_password))
        )
    cursor.execute(
        sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role)
    )


def _load_table(
    cursor: psycopg.Cursor,
    source: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    description: Mapping[str, object] | None,
) -> int:
    columns = source.execute(f'describe "{table}"').fetchall()
    pg_types = [(name, postgres_type(kind)) for name, kind, *_ in columns]
    target = sql.Identifier(schema, table)
    cursor.execute(
        sql.SQL("create table {} ({})").format(
            target,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
                for name, kind in pg_types
            ),
        )
    )
    selected = ", ".join(
        f'"{name}"::varchar' if kind == "text" else f'"{name}"' for name, kind in pg_types
    )
    result = source.execute(f'select {selected} from "{table}"')
    rows = 0
    copy_sql = sql.SQL("copy {} ({}) from stdin").format(
        target, sql.SQL(", ").join(sql.Identifier(name) for name, _ in pg_types)
    )
    with cursor.copy(copy_sql) as copy:
        while batch := result.fetchmany(BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            rows += len(batch)
    _comment(cursor, schema, table, description or {})
    return rows


def _comment(
    cursor: psycopg.Cursor, schema: str, table: str, description: Mapping[str, object]
) -> None:
    """Carry the dbt docs into PostgreSQL, where BI tools show them as descriptions."""
    target = sql.Identifier(schema, table)
    if description.get("description"):
        cursor.execute(
            sql.SQL("comment on table {} is {}").format(
                target, sql.Literal(str(description["description"]))
            )
        )
    columns = description.get("columns") or {}
    assert isinstance(columns, Mapping)
    cursor.execute(
        "select column_name from information_schema.columns"
        " where table_schema = %s and table_name = %s",
        [schema, table],
    )
    present = {row[0] for row in cursor.fetchall()}
    for column, text in columns.items():
        if column in present and text:
            cursor.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    target, sql.Identifier(column), sql.Literal(str(text))
                )
            )


def publish_to_postgres(
    snapshot_file: Path,
    target: PostgresTarget,
    docs: Mapping[str, Mapping[str, object]] | None = None,
) -> PostgresPublishResult:
    """Load every table of the published DuckDB ``snapshot_file`` into ``target.schema``.

    ``docs`` maps table names to ``{"description": ..., "columns": {name: text}}`` (the dbt docs),
    written as table and column comments.
    """
    loading, old = f"{target.schema}__loading", f"{target.schema}__old"
    row_counts: dict[str, int] = {}
    try:
        with (
            duckdb.connect(str(snapshot_file), read_only=True) as source,
            psycopg.connect(target.dsn, connect_timeout=15) as connection,
        ):
            tables = [row[0] for row in source.execute("show tables").fetchall()]
            with connection.cursor() as cursor:
                cursor.execute("select current_database()")
                database = cursor.fetchone()[0]
                _ensure_bi_role(cursor, target, database)
                cursor.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(loading))
                )
                cursor.execute(sql.SQL("create schema {}").format(sql.Identifier(loading)))
                for table in tables:
                    row_counts[table] = _load_table(
                        cursor, source, loading, table, (docs or {}).get(table)
                    )
                    logger.info(
                        "postgres: %s.%s (%d rows)", target.schema, table, row_counts[table]
                    )
                role = sql.Identifier(target.bi_role)
                cursor.execute(
                    sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(loading), role)
                )
                cursor.execute(
                    sql.SQL("grant select on all tables in schema {} to {}").format(
                        sql.Identifier(loading), role
                    )
                )
            connection.commit()
            _swap(connection, target.schema, loading, old)
    except psycopg.Error as error:
        raise PostgresPublishError(
            f"publishing to PostgreSQL schema '{target.schema}' failed: {error}".strip()
        ) from error
    logger.info("postgres: published %d tables to schema %s", len(row_counts), target.schema)
    return PostgresPublishResult(schema=target.schema, database=database, row_counts=row_counts)


def _swap(connection: psycopg.Connection, live: str, loading: str, old: str) -> None:
    """Rename the loaded schema into place in one transaction."""
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(f"set local lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
        cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old)))
        cursor.execute("select 1 from pg_namespace where nspname = %s", [live])
        if cursor.fetchone() is not None:
            cursor.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(live), sql.Identifier(old)
                )
            )
        cursor.execute(
            sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(loading), sql.Identifier(live)
            )
        )
        cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old)))
