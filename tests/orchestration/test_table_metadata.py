"""Asset metadata of dbt tables: row counts of core and marts, a markdown preview of marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import AssetKey

from crm_kpi.orchestration.defs.dbt.table_metadata import PREVIEW_ROWS, table_metadata
from crm_kpi.warehouse import Warehouse


def test_row_counts_and_mart_previews(warehouse: Path) -> None:
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts; create schema core; create schema staging")
        connection.execute(
            "create table marts.mart_x as select i as manager_id, i * 10 as revenue "
            "from range(25) as t(i)"
        )
        connection.execute("create table core.dim_y as select 1 as id")
        connection.execute("create view staging.stg_z as select 1 as id")
    marts, core = AssetKey(["marts", "mart_x"]), AssetKey(["core", "dim_y"])
    missing, staging = AssetKey(["marts", "mart_missing"]), AssetKey(["staging", "stg_z"])
    metadata = table_metadata(
        Warehouse(url=f"duckdb:///{warehouse}"), [marts, core, missing, staging]
    )
    assert set(metadata) == {marts, core}  # views are not counted, missing tables skipped
    assert metadata[marts]["dagster/row_count"].value == 25
    assert metadata[core]["dagster/row_count"].value == 1
    preview = metadata[marts]["preview"].value
    assert preview.startswith("|") and "manager_id" in preview and "revenue" in preview
    assert preview.count("\n") == PREVIEW_ROWS + 1  # header, rule, rows
    assert "preview" not in metadata[core]


def test_unreadable_warehouse_gives_no_metadata(tmp_path: Path) -> None:
    absent = Warehouse(url=f"duckdb:///{tmp_path / 'absent.duckdb'}")
    assert table_metadata(absent, [AssetKey(["marts", "mart_x"])]) == {}
