"""The published snapshot: a serving DuckDB file, and Parquet + CSV files per table.

The nightly run builds everything beside the live copies, then swaps them in with renames:

* ``<serving>/crm_kpi.duckdb`` is replaced with ``os.replace`` (a reader that has the old file
  open keeps reading it; the next connection opens the new one);
* ``<serving>/files/current`` is a symlink to ``files/versions/<version>/`` holding
  ``parquet/<table>.parquet``, ``csv/<table>.csv`` and ``manifest.json``; a new version directory
  is written completely, then the link is swapped. Resolve ``current`` once per read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crm_kpi.serving.atomic import fsync_path, prune_versions, replace_file, swap_symlink
from crm_kpi.serving.tables import discover_tables

logger = logging.getLogger("crm_kpi.serving")

SNAPSHOT_FILE = "crm_kpi.duckdb"
FILES_DIR = "files"
CURRENT_LINK = "current"
PUBLISH_INFO_TABLE = "publish_info"
KEEP_VERSIONS = 3


class NothingToPublish(RuntimeError):
    """The warehouse has no marts yet."""


@dataclass(frozen=True)
class PublishedSnapshot:
    """What one publish produced."""

    version: str
    published_at: dt.datetime
    snapshot_path: Path
    files_dir: Path
    row_counts: dict[str, int] = field(default_factory=dict)


def snapshot_path(serving_dir: Path) -> Path:
    """The live serving DuckDB file."""
    return serving_dir / SNAPSHOT_FILE


def current_files_dir(serving_dir: Path) -> Path:
    """The live Parquet/CSV folder (a symlink to the current version)."""
    return serving_dir / FILES_DIR / CURRENT_LINK


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _build_snapshot_file(
    warehouse: Path, new_file: Path, version: str, now: dt.datetime, exclude: Collection[str] = ()
) -> dict:
    """Copy the published tables into a fresh DuckDB file; return ``{table: rows}``.

    Rows of the accounts in ``exclude`` (withheld: a blocking check failed on them) are left
    out of every table that has an ``account_key``.
    """
    row_counts: dict[str, int] = {}
    with duckdb.connect(str(new_file)) as connection:
        connection.execute(f"attach {_sql_string(str(warehouse))} as warehouse (read_only)")
        tables = discover_tables(connection, "warehouse")
        if not any(t.schema == "marts" for t in tables):
            raise NothingToPublish(
                f"no tables in schema 'marts' of {warehouse}: build the warehouse first "
                "(crm-kpi run, or dbt build)"
            )
        for table in tables:
            connection.execute(
                f'create table main."{table.name}" as select * from warehouse.{table.qualified}'
            )
            if exclude and _has_account_key(connection, table.name):
                connection.execute(
                    f'delete from main."{table.name}" where account_key in '
                    f"({', '.join(_sql_string(key) for key in sorted(exclude))})"
                )
            rows = connection.execute(f'select count(*) from main."{table.name}"').fetchone()
            row_counts[table.name] = int(rows[0]) if rows else 0
            logger.info(
                "publish: %s.%s (%d rows)", table.schema, table.name, row_counts[table.name]
            )
        connection.execute(
            f"create table main.{PUBLISH_INFO_TABLE} (version varchar, published_at timestamptz,"
            " table_name varchar, row_count bigint)"
        )
        connection.executemany(
            f"insert into main.{PUBLISH_INFO_TABLE} values (?, ?, ?, ?)",
            [(version, now, name, rows) for name, rows in row_counts.items()],
        )
        connection.execute("detach warehouse")
        connection.execute("checkpoint")
    return row_counts


def _has_account_key(connection: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.columns where table_catalog = current_database()"
        " and table_schema = 'main' and table_name = ? and column_name = 'account_key'",
        [table],
    ).fetchone()
    return bool(found and found[0])


def _write_files(
    snapshot_file: Path, version_dir: Path, manifest: dict, readme: str | None
) -> None:
    """Parquet and UTF-8 CSV (header row, comma) per table, from the new snapshot file."""
    (version_dir / "parquet").mkdir(parents=True)
    (version_dir / "csv").mkdir()
    with duckdb.connect(str(snapshot_file), read_only=True) as connection:
        for name in manifest["tables"]:
            parquet = version_dir / "parquet" / f"{name}.parquet"
            csv = version_dir / "csv" / f"{name}.csv"
            connection.execute(f'copy "{name}" to {_sql_string(str(parquet))} (format parquet)')
            connection.execute(
                f"copy \"{name}\" to {_sql_string(str(csv))} (format csv, header, delimiter ',')"
            )
    (version_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    if readme:
        (version_dir / "README.md").write_text(readme, encoding="utf-8")
    for path in [*version_dir.rglob("*"), version_dir]:
        if path.is_file():
            fsync_path(path)


def clean_leftovers(serving_dir: Path) -> list[Path]:
    """Remove what an interrupted publish left: half-built snapshot files and version folders.

    A publish killed mid-way (SIGKILL, power loss) never reaches its own clean-up; the live
    snapshot and ``files/current`` were not touched, so everything named ``*.tmp`` (and its
    DuckDB ``.wal``) is garbage. One writer per serving folder, so no other publish is running.
    """
    removed: list[Path] = []
    if not serving_dir.exists():
        return removed
    for leftover in serving_dir.glob(f".{SNAPSHOT_FILE}.*.tmp*"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    versions_dir = serving_dir / FILES_DIR / "versions"
    if versions_dir.exists():
        for building in versions_dir.glob("*.tmp"):
            shutil.rmtree(building, ignore_errors=True)
            removed.append(building)
    staging_link = serving_dir / FILES_DIR / f".{CURRENT_LINK}.new"
    if staging_link.is_symlink():
        staging_link.unlink()
        removed.append(staging_link)
    for path in removed:
        logger.info("publish: removed %s, left by an interrupted publish", path.name)
    return removed


def publish_snapshot(
    warehouse: Path,
    serving_dir: Path,
    keep_versions: int = KEEP_VERSIONS,
    readme: str | None = None,
    exclude_accounts: Collection[str] = (),
) -> PublishedSnapshot:
    """Publish every mart and BI dimension of ``warehouse`` into ``serving_dir``, atomically.

    ``readme`` (the data dictionary) is written beside the Parquet and CSV files.
    ``exclude_accounts`` are published with no rows at all (not their last good rows: BI
    sees the account missing rather than stale figures; the previous ``KEEP_VERSIONS``
    versions of the files stay on disk for anyone who needs yesterday's numbers).

    On any error the previous snapshot and files stay live and the half-built copies are removed.
    """
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} does not exist: run the pipeline first")
    now = dt.datetime.now(dt.UTC)
    version = now.strftime("%Y%m%dT%H%M%S%fZ")
    clean_leftovers(serving_dir)
    serving_dir.mkdir(parents=True, exist_ok=True)
    versions_dir = serving_dir / FILES_DIR / "versions"
    versions_dir.mkdir(parents=True, exist_ok=True)
    new_file = serving_dir / f".{SNAPSHOT_FILE}.{version}.tmp"
    building_dir = versions_dir / f"{version}.tmp"
    try:
        row_counts = _build_snapshot_file(warehouse, new_file, version, now, exclude_accounts)
        manifest = {"version": version, "published_at": now.isoformat(), "tables": row_counts}
        _write_files(new_file, building_dir, manifest, readme)
        version_dir = building_dir.rename(versions_dir / version)
        swap_symlink(current_files_dir(serving_dir), version_dir)
        replace_file(new_file, snapshot_path(serving_dir))
    finally:
        new_file.unlink(missing_ok=True)
        Path(f"{new_file}.wal").unlink(missing_ok=True)
        if building_dir.exists():
            shutil.rmtree(building_dir, ignore_errors=True)
    prune_versions(versions_dir, keep_versions, current_files_dir(serving_dir))
    logger.info("published %d tables to %s (version %s)", len(row_counts), serving_dir, version)
    return PublishedSnapshot(
        version=version,
        published_at=now,
        snapshot_path=snapshot_path(serving_dir),
        files_dir=current_files_dir(serving_dir),
        row_counts=row_counts,
    )
