"""``--warehouse-url postgresql://...``: the benchmark against a PostgreSQL warehouse.

The seed and its growth stay in DuckDB (``scale.py`` is DuckDB SQL); the grown raw schemas are
then copied into the PostgreSQL database (typed as the serving publish types them; JSON as
text, which the staging models cast to jsonb), and the nightly job runs there. The bare
reference runs the compiled model SQL of the same build in one PostgreSQL session.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from benchmarks.bare_sql import model_order
from crm_kpi.serving.postgres import _load_table
from crm_kpi.warehouse import Warehouse
from crm_kpi.warehouse.resource import DBT_PG_OPTIONS

RAW_SCHEMAS = ("raw_amocrm", "raw_bitrix24", "raw_inputs")
MODEL_SCHEMAS = ("staging", "intermediate", "core", "marts", "quality")


def copy_raw(duckdb_file: Path, warehouse: Warehouse) -> int:
    """Replace the raw schemas of the PostgreSQL ``warehouse`` by those of ``duckdb_file``."""
    rows = 0
    with (
        duckdb.connect(str(duckdb_file), read_only=True) as source,
        psycopg.connect(warehouse.postgres_dsn) as connection,
        connection.cursor() as cursor,
    ):
        for schema in (*RAW_SCHEMAS, *MODEL_SCHEMAS):
            cursor.execute(
                sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema))
            )
        present = {
            row[0] for row in source.execute("select schema_name from duckdb_schemas()").fetchall()
        }
        for schema in RAW_SCHEMAS:
            if schema not in present:
                continue
            cursor.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
            source.execute(f'use "{schema}"')
            for (table,) in source.execute("show tables").fetchall():
                rows += _load_table(cursor, source, schema, table, None)
    return rows


def drop_models(warehouse: Warehouse) -> None:
    """Drop what the nightly run built, so that the bare run starts from raw data only."""
    with psycopg.connect(warehouse.postgres_dsn) as connection:
        for schema in MODEL_SCHEMAS:
            connection.execute(
                sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema))
            )


def bare_run(warehouse_url: str, manifest_path: Path) -> float:
    """Build every model with its compiled SQL in one PostgreSQL session; the total seconds."""
    warehouse = Warehouse(url=warehouse_url)
    drop_models(warehouse)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    timings: list[tuple[float, str]] = []
    with psycopg.connect(
        warehouse.postgres_dsn, autocommit=True, options=DBT_PG_OPTIONS
    ) as connection:
        for node in model_order(manifest):
            relation = sql.Identifier(node["schema"], node["alias"] or node["name"])
            kind = sql.SQL("view" if node["config"]["materialized"] == "view" else "table")
            connection.execute(
                sql.SQL("create schema if not exists {}").format(sql.Identifier(node["schema"]))
            )
            started = time.perf_counter()
            connection.execute(
                sql.SQL("create {} {} as {}").format(kind, relation, sql.SQL(node["compiled_code"]))
            )
            timings.append((time.perf_counter() - started, node["name"]))
    total = sum(seconds for seconds, _ in timings)
    for seconds, name in sorted(timings, reverse=True)[:8]:
        print(f"  {name:<40} {seconds:8.2f} s")
    print(f"bare SQL total: {total:.2f} s over {len(timings)} models")
    return total


if __name__ == "__main__":
    bare_run(sys.argv[1], Path(sys.argv[2]))
