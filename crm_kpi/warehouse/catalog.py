"""What the warehouse holds, asked the same way of both engines (``information_schema``)."""

from __future__ import annotations

import sqlalchemy as sa


def table_exists(connection: sa.Connection, table: str) -> bool:
    """Whether ``schema.table`` exists (asked of ``information_schema``, on both engines)."""
    schema, name = table.split(".", 1)
    found = connection.execute(
        sa.text(
            "select count(*) from information_schema.tables"
            " where table_schema = :schema and table_name = :name"
        ),
        {"schema": schema, "name": name},
    ).scalar_one()
    return bool(found)


def create_if_missing(connection: sa.Connection, table: str, columns: str) -> None:
    """``create schema/table if not exists`` (``columns``: the column definitions)."""
    schema = table.split(".", 1)[0]
    connection.execute(sa.text(f"create schema if not exists {schema}"))
    connection.execute(sa.text(f"create table if not exists {table} ({columns})"))
