"""The Warehouse resource: one URL chooses DuckDB or PostgreSQL for dlt, dbt, GX and readers."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy

from crm_kpi.warehouse import Warehouse

PG_URL = "postgresql://crm:p%40ss@db.example:6543/kpi"


def test_from_env_prefers_the_url_then_the_old_path_then_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Warehouse.from_env({}).duckdb_path == tmp_path / "warehouse" / "crm_kpi.duckdb"
    old = Warehouse.from_env({"CRM_KPI_WAREHOUSE": "w/old.duckdb"})
    assert old.url == f"duckdb:///{tmp_path}/w/old.duckdb"
    chosen = Warehouse.from_env({"CRM_KPI_WAREHOUSE_URL": PG_URL, "CRM_KPI_WAREHOUSE": "x"})
    assert chosen.kind == "postgres" and chosen.url == PG_URL
    relative = Warehouse.from_env({"CRM_KPI_WAREHOUSE_URL": "duckdb:///rel.duckdb"})
    assert relative.duckdb_path == tmp_path / "rel.duckdb"


def test_duckdb_warehouse(tmp_path: Path) -> None:
    warehouse = Warehouse(url=f"duckdb:///{tmp_path}/w.duckdb")
    assert warehouse.kind == "duckdb" and warehouse.dbt_target == "dev"
    assert warehouse.sqlalchemy_url == f"duckdb:///{tmp_path}/w.duckdb"
    assert warehouse.dbt_env() == {
        "CRM_KPI_DBT_TARGET": "dev",
        "CRM_KPI_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "CRM_KPI_DUCKDB_MEMORY_LIMIT": "1GB",
    }
    assert warehouse.dlt_destination().destination_name == "duckdb"
    with warehouse.connect() as connection:
        connection.execute("create table t as select 1 as x")
    with warehouse.connect(read_only=True) as connection:
        assert connection.execute("select x from t").fetchall() == [(1,)]


SETTINGS = "select current_setting('memory_limit'), current_setting('preserve_insertion_order')"


def test_every_duckdb_connection_has_the_memory_limit_of_dbt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One setting caps dbt's DuckDB and ours: the resource's, from the environment."""
    monkeypatch.setenv("CRM_KPI_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("CRM_KPI_DUCKDB_MEMORY_LIMIT", "300MB")
    warehouse = Warehouse.from_env()
    assert warehouse.duckdb_memory_limit == "300MB"
    assert warehouse.dbt_env()["CRM_KPI_DUCKDB_MEMORY_LIMIT"] == "300MB"  # profiles.yml
    expected = [("286.1 MiB", False)]  # DuckDB prints 300 MB in MiB
    with warehouse.connect() as connection:
        assert connection.execute(SETTINGS).fetchall() == expected
    with warehouse.connect(read_only=True) as connection:
        assert connection.execute(SETTINGS).fetchall() == expected
    with warehouse.sql(read_only=True) as connection:  # the engine GX checks run on
        assert [tuple(row) for row in connection.execute(sqlalchemy.text(SETTINGS))] == expected
    assert Warehouse(url=warehouse.url).duckdb_memory_limit == "1GB"  # the default


def test_postgres_warehouse() -> None:
    warehouse = Warehouse(url=PG_URL)
    assert warehouse.kind == "postgres" and warehouse.dbt_target == "postgres"
    assert warehouse.sqlalchemy_url == "postgresql+psycopg://crm:p%40ss@db.example:6543/kpi"
    assert warehouse.redacted_url == "postgresql://crm:***@db.example:6543/kpi"
    assert warehouse.dbt_env() == {
        "CRM_KPI_DBT_TARGET": "postgres",
        "CRM_KPI_WAREHOUSE_PG_HOST": "db.example",
        "CRM_KPI_WAREHOUSE_PG_PORT": "6543",
        "CRM_KPI_WAREHOUSE_PG_USER": "crm",
        "CRM_KPI_WAREHOUSE_PG_PASSWORD": "p@ss",
        "CRM_KPI_WAREHOUSE_PG_DBNAME": "kpi",
        "PGOPTIONS": "-c enable_nestloop=off",
    }
    assert warehouse.dlt_destination().destination_name == "postgres"
    with pytest.raises(ValueError):
        _ = warehouse.duckdb_path


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported warehouse URL"):
        _ = Warehouse(url="mysql://a:secret@h/db").kind


def test_postgres_connection_can_be_read_only(postgres_warehouse_url: str) -> None:
    warehouse = Warehouse(url=postgres_warehouse_url)
    with warehouse.connect() as connection:
        connection.execute("create table if not exists t (x int)")
    with warehouse.connect(read_only=True) as connection:
        assert connection.execute("select count(*) from t").fetchone() == (0,)
        with pytest.raises(Exception, match="read-only"):
            connection.execute("insert into t values (1)")


def test_sqlalchemy_urls_connect(tmp_path: Path, postgres_warehouse_url: str) -> None:
    """What Great Expectations' SQL datasource gets: duckdb-engine and psycopg 3 URLs that work."""
    for warehouse in (
        Warehouse(url=f"duckdb:///{tmp_path}/g.duckdb"),
        Warehouse(url=postgres_warehouse_url),
    ):
        engine = sqlalchemy.create_engine(warehouse.sqlalchemy_url)
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("select 41 + 1")).scalar() == 42
        engine.dispose()


def test_kept_open_lets_a_writer_in_and_keeps_nothing_without_a_file(tmp_path) -> None:
    from crm_kpi.warehouse.resource import _KEPT

    path = tmp_path / "w.duckdb"
    warehouse = Warehouse(url=f"duckdb:///{path}")
    with warehouse.kept_open():  # no file yet: nothing kept, nothing raised
        assert not _KEPT
    with warehouse.sql() as connection:
        connection.execute(sqlalchemy.text("create table t as select 1 as x"))
    with warehouse.kept_open():
        assert str(path) in _KEPT
        with warehouse.sql(read_only=True) as connection:
            assert connection.execute(sqlalchemy.text("select count(*) from t")).scalar_one() == 1
        # a read-write connection (another DuckDB configuration) closes the kept one first
        with warehouse.sql() as connection:
            connection.execute(sqlalchemy.text("insert into t values (2)"))
        with warehouse.connect(read_only=True) as raw:  # DB-API: other settings, too
            assert raw.execute("select count(*) from t").fetchone()[0] == 2
        assert _KEPT[str(path)].connection is not None  # open again after the writer
    assert not _KEPT
