"""Issue 15's first acceptance test: the nightly job with the warehouse on PostgreSQL.

The demo company (both emulated CRMs, one account each, the sales plan and marketing spend)
goes through the whole nightly job twice: once into a DuckDB warehouse, once with
``CRM_KPI_WAREHOUSE_URL=postgresql://...`` (raw data by dlt's postgres destination, every model
by dbt-postgres, the checks and the publish step against PostgreSQL). Every mart of the two runs
must be equal row for row, and again after a second night on PostgreSQL (its incremental
builds). Types differ between the engines (DuckDB's DOUBLE vs PostgreSQL's
double precision agree, but integer sums come back as numeric and dates as date objects), so
values are compared after normalising: money and other decimals rounded to kopecks (2 places),
floats to 1e-9, integers and decimals without a fraction as integers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest
from crm_kpi_emulators.registry import emulated_crms
from crm_kpi_emulators.synthetic import CompanyConfig
from crm_kpi_emulators.synthetic.inputs import write_input_files
from service_helpers import start_postgres

from crm_kpi.config import MARKETING_SPEND_ENV, SALES_PLAN_ENV
from crm_kpi.runner import run_nightly
from crm_kpi.warehouse import URL_ENV, Warehouse

pytestmark = pytest.mark.slow

TOKEN = "test-token"
DAYS = 60
DATABASE = "crm_kpi_e2e_warehouse"


@pytest.fixture
def demo_company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every emulated CRM serving the demo company (a shorter history), as the demo runs them."""
    today = dt.date.today()
    config = CompanyConfig(seed=42, start_date=today - dt.timedelta(days=DAYS), days=DAYS)
    monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
    with contextlib.ExitStack() as stack:
        served = [
            stack.enter_context(emulator.running(config, TOKEN)) for _, emulator in emulated_crms()
        ]
        plan = [(account.account_key, account.plan_by_email) for account in served]
        inputs = write_input_files(config, tmp_path / "inputs", plan)
        for account in served:
            for name, value in account.settings.items():
                monkeypatch.setenv(name, value)
        monkeypatch.setenv(SALES_PLAN_ENV, str(inputs.sales_plan))
        monkeypatch.setenv(MARKETING_SPEND_ENV, str(inputs.marketing_spend))
        yield


def _run_on(warehouse: Warehouse, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nightly job in this process on ``warehouse`` (the runner reads the environment)."""
    with monkeypatch.context() as env:
        env.setenv(URL_ENV, warehouse.url)
        env.setenv("CRM_KPI_DATA_DIR", str(data_dir))
        env.setenv("CRM_KPI_SERVING_DIR", str(data_dir / "serving"))
        for name, value in warehouse.dbt_env().items():
            env.setenv(name, value)
        if warehouse.kind == "duckdb":
            env.setenv("CRM_KPI_WAREHOUSE", str(warehouse.duckdb_path))
        summary = run_nightly(log_path=data_dir / "run.log")
    assert summary.success, (warehouse.kind, summary.failures)


def _normalised(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        value = float(round(value, 2))
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else round(value, 9)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([[_normalised(v) for v in row] for row in rows], columns=columns)
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.sort_values(columns, key=lambda s: s.astype(str)).reset_index(drop=True)


def _duckdb_marts(path: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        marts = {}
        for name in names:
            result = connection.execute(f'select * from marts."{name}"')
            marts[name] = _frame(result.fetchall(), [c[0] for c in result.description])
    return marts


def _postgres_marts(dsn: str) -> dict[str, pd.DataFrame]:
    with psycopg.connect(dsn) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        marts = {}
        for name in names:
            cursor = connection.execute(f'select * from marts."{name}"')
            marts[name] = _frame(cursor.fetchall(), [c.name for c in cursor.description])
    return marts


@pytest.mark.timeout(3600)
def test_nightly_job_on_postgres_builds_the_same_marts_as_on_duckdb(
    tmp_path: Path, demo_company: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_duckdb = Warehouse(url=f"duckdb:///{tmp_path / 'duckdb' / 'crm_kpi.duckdb'}")
    _run_on(on_duckdb, tmp_path / "duckdb" / "data", monkeypatch)
    on_postgres = Warehouse(url=start_postgres(DATABASE).split("?", 1)[0])
    _run_on(on_postgres, tmp_path / "postgres" / "data", monkeypatch)

    expected = _duckdb_marts(on_duckdb.duckdb_path)
    assert all(not frame.empty for frame in expected.values()), "a mart without rows"
    _assert_same_marts(_postgres_marts(on_postgres.postgres_dsn), expected)
    # A second night: the incremental models' SQL runs on PostgreSQL (nothing new to read).
    _run_on(on_postgres, tmp_path / "postgres" / "data", monkeypatch)
    _assert_same_marts(_postgres_marts(on_postgres.postgres_dsn), expected)


def _assert_same_marts(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert sorted(actual) == sorted(expected)
    for name, frame in expected.items():
        assert list(actual[name].columns) == list(frame.columns), name
        pd.testing.assert_frame_equal(actual[name], frame, check_dtype=False, obj=name)
