"""Shared set-up of the amoCRM source tests: a small emulated company and a dlt run into DuckDB.

The source runs directly (no Dagster) against the in-process emulator, into a DuckDB file
of the test's temporary folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import dlt
import duckdb
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.amocrm import amocrm_source

TOKEN = "acceptance-token"
# Small but with several pages of events (100 per page) and a few deletions.
COMPANY = CompanyConfig(
    seed=11, start_date=dt.date(2026, 5, 1), days=21, managers=3, teams=2, deals_per_day=5.0
)
DLT_COLUMNS = ("_dlt_load_id", "_dlt_id")


def run_source(emulator: AmoCrmEmulator, folder: Path, **source_args: Any) -> dlt.Pipeline:
    """Load the emulated account into ``folder/wh.duckdb`` (state kept in the warehouse)."""
    pipeline = dlt.pipeline(
        pipeline_name="amocrm_acceptance",
        destination=dlt.destinations.duckdb(str(folder / "wh.duckdb")),
        dataset_name="raw_amocrm",
        pipelines_dir=str(folder / "dlt"),
    )
    args: dict[str, Any] = {
        "subdomain": emulator.subdomain,
        "base_url": emulator.base_url,
        "requests_per_second": 500,
        **source_args,
    }
    if "client_id" not in args:
        args.setdefault("access_token", TOKEN)
    pipeline.run(amocrm_source(**args), loader_file_format="parquet")
    return pipeline


def query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the test's warehouse (read-only)."""
    with duckdb.connect(str(folder / "wh.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def data_tables(folder: Path) -> list[str]:
    """The raw tables that hold API data (not dlt's own)."""
    rows = query(
        folder,
        "select table_name from information_schema.tables where table_schema = 'raw_amocrm'"
        " and table_name not like '\\_dlt%' escape '\\' order by 1",
    )
    return [name for (name,) in rows]


def table_rows(folder: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a raw table without dlt's columns, as sorted text tuples."""
    with duckdb.connect(str(folder / "wh.duckdb"), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema ="
                " 'raw_amocrm' and table_name = ? order by column_name",
                [table],
            ).fetchall()
            if name not in DLT_COLUMNS
        ]
        select = ", ".join(f'cast("{name}" as varchar)' for name in columns)
        rows = con.execute(f"select {select} from raw_amocrm.{table}").fetchall()
    return sorted(rows, key=lambda row: tuple("" if v is None else v for v in row))


def api_requests(emulator: AmoCrmEmulator) -> list[tuple[str, str, str, int]]:
    """The API requests (not OAuth) the emulator has answered since its log was reset."""
    return [entry for entry in emulator.request_log if entry[1].startswith("/api/v4/")]
