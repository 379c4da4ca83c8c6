"""PostgreSQL publish against a real server: atomic swap, and a BI role that can only read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import errors, sql
from serving_fixtures import drop_role, make_warehouse

from crm_kpi.serving import postgres as postgres_module
from crm_kpi.serving.postgres import (
    PostgresPublishError,
    PostgresTarget,
    postgres_type,
    publish_in_warehouse,
    publish_to_postgres,
)
from crm_kpi.serving.snapshot import publish_snapshot, snapshot_path
from crm_kpi.warehouse import Warehouse

BI_ROLE = "crm_kpi_serving_bi_test"
BI_PASSWORD = "bi-test-password"
SCHEMA = "crm_kpi"


@pytest.fixture
def target(postgres_dsn: str) -> Iterator[PostgresTarget]:
    yield PostgresTarget(dsn=postgres_dsn, schema=SCHEMA, bi_role=BI_ROLE, bi_password=BI_PASSWORD)


@pytest.fixture(scope="module", autouse=True)
def _drop_bi_role_afterwards() -> Iterator[None]:
    yield
    drop_role(BI_ROLE)


def _bi_dsn(admin_dsn: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    info.update(user=BI_ROLE, password=BI_PASSWORD)
    return psycopg.conninfo.make_conninfo(**info)


def _published(tmp_path: Path, generation: int) -> Path:
    warehouse = make_warehouse(tmp_path / "wh.duckdb", generation=generation)
    publish_snapshot(warehouse, tmp_path / "serving")
    return snapshot_path(tmp_path / "serving")


def test_duckdb_types_map_to_postgres() -> None:
    assert postgres_type("DECIMAL(18,2)") == "numeric(18, 2)"
    assert postgres_type("TIMESTAMP WITH TIME ZONE") == "timestamptz"
    assert postgres_type("BIGINT") == "bigint"
    assert postgres_type("INTEGER[]") == "text"


def test_bi_role_reads_every_table_and_can_change_nothing(
    tmp_path: Path, target: PostgresTarget
) -> None:
    docs = {"dim_managers": {"description": "Managers.", "columns": {"manager_name": "Name."}}}
    result = publish_to_postgres(_published(tmp_path, 1), target, docs=docs)
    assert "mart_manager_monthly" in result.row_counts and "publish_info" in result.row_counts
    with psycopg.connect(_bi_dsn(target.dsn), autocommit=True) as bi:
        for table, rows in result.row_counts.items():
            count = bi.execute(
                sql.SQL("select count(*) from {}").format(sql.Identifier(SCHEMA, table))
            )
            assert count.fetchone()[0] == rows, table
        comment = bi.execute("select obj_description('crm_kpi.dim_managers'::regclass)").fetchone()
        assert comment[0] == "Managers."
        forbidden = [
            "insert into crm_kpi.dim_managers (manager_id) values ('x')",
            "update crm_kpi.mart_manager_monthly set revenue = 0",
            "delete from crm_kpi.mart_manager_daily",
            "truncate crm_kpi.dim_dates",
            "drop table crm_kpi.dim_dates",
            "create table crm_kpi.sneaky (x int)",
            "create table public.sneaky (x int)",
            "create schema sneaky",
            "alter table crm_kpi.dim_dates add column x int",
        ]
        for statement in forbidden:
            with pytest.raises(errors.InsufficientPrivilege):
                bi.execute(statement)


def test_republishing_swaps_the_schema_atomically(tmp_path: Path, target: PostgresTarget) -> None:
    publish_to_postgres(_published(tmp_path, 1), target)
    with psycopg.connect(_bi_dsn(target.dsn), autocommit=True) as bi:
        query = "select distinct account_key from crm_kpi.mart_manager_monthly"
        assert bi.execute(query).fetchall() == [("amocrm:1",)]
        publish_to_postgres(_published(tmp_path, 2), target)
        # the same BI session now reads the new tables, with its grants intact
        assert bi.execute(query).fetchall() == [("amocrm:2",)]
        schemas = {
            row[0]
            for row in bi.execute("select nspname from pg_namespace where nspname like 'crm_kpi%'")
        }
    assert schemas == {"crm_kpi"}


def test_a_failed_load_leaves_the_published_schema_alone(
    tmp_path: Path, target: PostgresTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_to_postgres(_published(tmp_path, 1), target)
    real_load = postgres_module._load_table

    def load_then_fail(cursor, source, schema, table, description):
        if table == "mart_manager_monthly":
            raise errors.DataException("simulated bad value in mart_manager_monthly")
        return real_load(cursor, source, schema, table, description)

    monkeypatch.setattr(postgres_module, "_load_table", load_then_fail)
    with pytest.raises(PostgresPublishError, match="schema 'crm_kpi' failed: simulated bad value"):
        publish_to_postgres(_published(tmp_path, 2), target)
    with psycopg.connect(target.dsn) as admin:
        rows = admin.execute("select distinct account_key from crm_kpi.mart_manager_monthly")
        assert rows.fetchall() == [("amocrm:1",)]
        rows = admin.execute("select distinct account_key from crm_kpi.mart_manager_daily")
        assert rows.fetchall() == [("amocrm:1",)]


# --- the warehouse itself on PostgreSQL: the snapshot and the BI schema come from its marts ---


@pytest.fixture
def postgres_warehouse(tmp_path: Path, postgres_dsn: str) -> Warehouse:
    """The tiny warehouse's marts and dimensions in schemas ``marts`` and ``core`` of PostgreSQL."""
    duckdb_file = make_warehouse(tmp_path / "pgsource.duckdb", generation=3)
    with (
        duckdb.connect(str(duckdb_file), read_only=True) as source,
        psycopg.connect(postgres_dsn) as connection,
        connection.cursor() as cursor,
    ):
        for schema in ("marts", "core"):
            cursor.execute(
                sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema))
            )
            cursor.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
            source.execute(f"use {schema}")
            for (table,) in source.execute("show tables").fetchall():
                postgres_module._load_table(cursor, source, schema, table, None)
    return Warehouse(url=postgres_dsn)


def test_snapshot_from_a_postgres_warehouse_equals_the_duckdb_one(
    tmp_path: Path, postgres_warehouse: Warehouse
) -> None:
    from_duckdb = publish_snapshot(
        make_warehouse(tmp_path / "same.duckdb", generation=3), tmp_path / "serving_duckdb"
    )
    from_postgres = publish_snapshot(postgres_warehouse, tmp_path / "serving_pg")
    assert from_postgres.row_counts == from_duckdb.row_counts
    with duckdb.connect(str(from_postgres.snapshot_path), read_only=True) as pg_copy:
        pg_copy.execute(f"attach '{from_duckdb.snapshot_path}' as reference (read_only)")
        for table in from_duckdb.row_counts:
            columns = pg_copy.execute(f'describe "{table}"').fetchall()
            reference = pg_copy.execute(f'describe reference."{table}"').fetchall()
            # names, not types: the fixture's HUGEINT sums come back as numeric(38, 0)
            assert [c[0] for c in columns] == [c[0] for c in reference], table
            differ = pg_copy.execute(
                f'select count(*) from (select * from "{table}" except all '
                f'select * from reference."{table}")'
            ).fetchone()
            assert differ == (0,), table


def test_publish_in_a_postgres_warehouse_is_a_schema_swap_without_withheld_accounts(
    postgres_warehouse: Warehouse, target: PostgresTarget
) -> None:
    tables = [("marts", "mart_manager_monthly"), ("core", "dim_managers")]
    result = publish_in_warehouse(postgres_warehouse.postgres_dsn, tables, target)
    assert result.row_counts["dim_managers"] == 3
    with psycopg.connect(_bi_dsn(target.dsn), autocommit=True) as bi:
        query = "select distinct account_key from crm_kpi.mart_manager_monthly"
        assert bi.execute(query).fetchall() == [("amocrm:3",)]
        publish_in_warehouse(
            postgres_warehouse.postgres_dsn, tables, target, exclude_accounts={"amocrm:3"}
        )
        assert bi.execute(query).fetchall() == []
        tables_now = bi.execute(
            "select count(*) from information_schema.tables where table_schema = 'crm_kpi'"
        ).fetchone()
    assert tables_now == (2,)
