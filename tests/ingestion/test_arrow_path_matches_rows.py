"""The Arrow path gives the raw tables of the row path: same columns, same types, same rows.

Each CRM's source loads one emulated account twice from the same emulator, once as Arrow
tables (the default) and once as rows (``arrow=False``: dlt's row-by-row normalizer, as the
sources loaded before), into two DuckDB files; ``information_schema.columns`` and the rows
(without dlt's random ``_dlt_id`` and per-load ``_dlt_load_id``) must be equal. Staging reads
these tables, so their names and types are a contract.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dlt
import duckdb
import pytest
from crm_kpi_emulators.registry import emulator_of
from crm_kpi_emulators.synthetic import CompanyConfig

from crm_kpi.sources.pipelines import LOADER_FILE_FORMAT
from crm_kpi.sources.registry import crm

pytestmark = pytest.mark.slow  # four loads of a small account (~60 s)

COMPANY = CompanyConfig(
    seed=7, start_date=dt.date(2026, 5, 4), days=8, managers=2, teams=1, deals_per_day=4.0
)
DLT_ROW_COLUMNS = ("_dlt_id", "_dlt_load_id")


def _load(name: str, folder: Path, arrow: bool) -> Path:
    path = folder / f"{'arrow' if arrow else 'rows'}.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name=f"arrow_vs_rows_{name}_{arrow}",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name=crm(name).raw_schema,
        pipelines_dir=str(folder / f"dlt_{arrow}"),
    )
    pipeline.run(crm(name).source(arrow=arrow), loader_file_format=LOADER_FILE_FORMAT)
    return path


def _columns(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> set[tuple]:
    return set(
        connection.execute(
            "select table_name, column_name, data_type, is_nullable"
            " from information_schema.columns where table_catalog = ? and table_schema = ?",
            [catalog, schema],
        ).fetchall()
    )


@pytest.mark.parametrize("name", ["amocrm", "bitrix24"])
def test_arrow_tables_load_the_same_raw_tables_as_rows(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = emulator_of(crm(name))
    assert emulator is not None and emulator.benchmarked is not None
    schema = crm(name).raw_schema
    with emulator.benchmarked(COMPANY, "test-token") as account:
        for key, value in account.settings.items():
            monkeypatch.setenv(key, value)
        rows_file = _load(name, tmp_path, arrow=False)
        arrow_file = _load(name, tmp_path, arrow=True)

    connection = duckdb.connect()
    connection.execute(f"attach '{rows_file}' as by_rows (read_only)")
    connection.execute(f"attach '{arrow_file}' as by_arrow (read_only)")
    by_rows = _columns(connection, "by_rows", schema)
    by_arrow = _columns(connection, "by_arrow", schema)
    assert by_arrow == by_rows, (
        sorted(by_arrow - by_rows),
        sorted(by_rows - by_arrow),
    )

    tables = sorted({table for table, *_ in by_rows if not table.startswith("_dlt")})
    assert "leads" in tables or "deals" in tables
    for table in tables:
        names = [
            column
            for t, column, *_ in sorted(by_rows)
            if t == table and column not in DLT_ROW_COLUMNS
        ]
        select = ", ".join(f'"{column}"' for column in names)
        counts = []
        for left, right in (("by_rows", "by_arrow"), ("by_arrow", "by_rows")):
            counts.append(
                connection.execute(
                    f"select count(*) from (select {select} from {left}.{schema}.{table}"
                    f" except all select {select} from {right}.{schema}.{table})"
                ).fetchone()[0]
            )
        total = connection.execute(f"select count(*) from by_rows.{schema}.{table}").fetchone()
        assert counts == [0, 0], (table, counts, total)
        for column in DLT_ROW_COLUMNS:  # every row still carries dlt's columns
            nulls = connection.execute(
                f"select count(*) from by_arrow.{schema}.{table} where {column} is null"
            ).fetchone()[0]
            assert nulls == 0, (table, column)
