"""The GX SQL datasource opens the warehouse with the settings of every DuckDB connection."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from crm_kpi.quality.validation import SqlValidator
from crm_kpi.warehouse import Warehouse

SETTINGS = "select current_setting('memory_limit'), current_setting('preserve_insertion_order')"


def test_the_gx_engine_has_the_memory_limit_of_dbt(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    warehouse = Warehouse(url=f"duckdb:///{path}", duckdb_memory_limit="300MB")
    with warehouse.connect() as connection:
        connection.execute("create table t as select 1 as x")
    validator = SqlValidator(warehouse)
    try:
        engine = validator.datasource.get_execution_engine().engine
        with engine.connect() as connection:
            found = [tuple(row) for row in connection.execute(sa.text(SETTINGS))]
    finally:
        validator.close()
    assert found == [("286.1 MiB", False)]  # 300 MB, as DuckDB prints it
