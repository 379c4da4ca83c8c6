"""The single writer of a DuckDB warehouse's raw schemas: merge the accounts' staging files.

Each account loads into its own DuckDB file (``crm_kpi.sources.pipelines``); the transform run
first rebuilds every raw table of each CRM as the union (``union all by name``: an account that
lacks a column gets NULLs) of that table in all its accounts' files. The rebuild is idempotent
(a retry leaves the same warehouse); an account that failed tonight keeps its last good rows.
The writer takes a lock file and waits while another process (dbt, a check) holds DuckDB's own
lock. See docs/accounts.md.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

logger = logging.getLogger("crm_kpi.orchestration")
LOCK_WAIT_SECONDS = 600.0


@contextmanager
def _writer_lock(warehouse: Path) -> Iterator[None]:
    lock = warehouse.with_name(warehouse.name + ".merge.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def _connect(
    warehouse: Path, wait_seconds: float, config: Mapping[str, Any]
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(warehouse), config=dict(config))
        except duckdb.IOException:  # another process holds the file (dbt, a check, a reader)
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _tables(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables"
        " where table_catalog = ? and table_schema = ? order by 1",
        [catalog, schema],
    ).fetchall()
    return [name for (name,) in rows]


def merge_account_files(
    warehouse: Path,
    schema: str,
    files: Sequence[Path],
    wait_seconds: float = LOCK_WAIT_SECONDS,
    config: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Rebuild ``schema`` of ``warehouse`` from ``files``; ``{table: rows}`` of what it wrote.

    ``config``: the DuckDB settings of the connection (``Warehouse.duckdb_config``: the memory
    limit every connection of the run shares).
    """
    present = [path for path in files if path.exists()]
    if not present:
        return {}
    counts: dict[str, int] = {}
    with _writer_lock(warehouse), _connect(warehouse, wait_seconds, config or {}) as connection:
        by_table: dict[str, list[str]] = {}
        for index, path in enumerate(present):
            alias = f"account_{index}"
            connection.execute(f"attach '{path}' as {alias} (read_only)")
            for table in _tables(connection, alias, schema):
                by_table.setdefault(table, []).append(alias)
        connection.execute(f'create schema if not exists "{schema}"')
        for table, aliases in by_table.items():
            union = " union all by name ".join(
                f'select * from {alias}."{schema}"."{table}"' for alias in aliases
            )
            connection.execute(f'create or replace table "{schema}"."{table}" as {union}')
            (counts[table],) = connection.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()
        for index in range(len(present)):
            connection.execute(f"detach account_{index}")
    logger.info(
        "merged %d account file(s) into %s: %d tables, %d rows",
        len(present),
        schema,
        len(counts),
        sum(counts.values()),
    )
    return counts
