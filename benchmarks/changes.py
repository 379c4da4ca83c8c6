"""One more day of CRM changes, written into the raw schemas the way a dlt merge leaves them.

A share of the rows of every table that has a modification cursor is updated in place (its
cursor moved past the newest one, its ``_dlt_load_id`` the new load's) and as many new rows
are added (copies of existing rows under new ids); a row in ``_dlt_loads`` records the load.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from benchmarks.scale import ENTITY_ID_COLUMNS, _shift

# Modification cursors the sources read incrementally (epoch seconds or timestamps).
CURSOR_COLUMNS = ("updated_at", "date_modify", "last_updated", "changed_date", "_cursor_ts")
# Tables read by creation time only (events, calls): new rows, never updates.
CREATED_COLUMNS = ("created_at", "created_time", "call_start_date")
NEW_ID_OFFSET = 900_000_000_000


def _cursor(columns: dict[str, str]) -> tuple[str | None, bool]:
    """The table's cursor column, and whether its rows may be updated (else only added)."""
    updated = next((name for name in CURSOR_COLUMNS if name in columns), None)
    if updated:
        return updated, True
    return next((name for name in CREATED_COLUMNS if name in columns), None), False


def one_more_day(warehouse: Path, share: float = 0.003) -> int:
    """Update ``share / 2`` of the rows and add as many new ones; return the rows touched."""
    load_id = f"{time.time():.6f}"
    touched = 0
    with duckdb.connect(str(warehouse)) as connection:
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name in ('raw_amocrm', 'raw_bitrix24') "
            "and not starts_with(table_name, '_dlt')"
        ).fetchall()
        for schema, table in tables:
            relation = f'"{schema}"."{table}"'
            columns = dict(
                connection.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            )
            cursor, updatable = _cursor(columns)
            if cursor is None or "_dlt_id" not in columns:
                continue
            threshold = int(share / 2 * 1_000_000)
            step = "3600" if columns[cursor] in ("BIGINT", "DOUBLE") else "interval 1 hour"
            newest = f'(select max("{cursor}") from {relation})'
            before = connection.execute(f"select count(*) from {relation}").fetchone()[0]
            expressions = []
            for name, data_type in columns.items():
                if name in ENTITY_ID_COLUMNS and name in ("id",):
                    expressions.append(_shift(name, data_type, str(NEW_ID_OFFSET)))
                elif name == cursor:
                    expressions.append(f"{newest} + {step}")
                elif name == "_dlt_load_id":
                    expressions.append(f"'{load_id}'")
                elif name == "_dlt_id":
                    expressions.append("\"_dlt_id\" || '-new'")
                else:
                    expressions.append(f'"{name}"')
            expressions = [
                f'{expression} as "{name}"'
                for expression, name in zip(expressions, columns, strict=True)
            ]
            sample = f"hash(\"_dlt_id\", 'new') % 1000000 < {threshold}"
            connection.execute(
                f"insert into {relation} select {', '.join(expressions)} "
                f"from {relation} where {sample}"
            )
            updated = (
                0
                if not updatable
                else connection.execute(
                    f'update {relation} set "{cursor}" = {newest} + {step}, '
                    f"\"_dlt_load_id\" = '{load_id}' "
                    f"where hash(\"_dlt_id\", 'upd') % 1000000 < {threshold} "
                    f"and \"_dlt_load_id\" <> '{load_id}'"
                ).fetchone()[0]
            )
            after = connection.execute(f"select count(*) from {relation}").fetchone()[0]
            touched += (after - before) + updated
        for schema in ("raw_amocrm", "raw_bitrix24"):
            exists = connection.execute(
                "select count(*) from duckdb_tables() "
                "where schema_name = ? and table_name = '_dlt_loads'",
                [schema],
            ).fetchone()[0]
            if exists:
                connection.execute(
                    f'insert into "{schema}"._dlt_loads by name '
                    f"select '{load_id}' as load_id, schema_name, 0 as status, "
                    "now() as inserted_at, "
                    f'schema_version_hash from "{schema}"._dlt_loads '
                    "order by inserted_at desc limit 1"
                )
    return touched
