"""Issue 10: one broken account (a failing blocking mart check on its rows) does not stop the
others: they are published, the broken one is left out, and the run fails naming it.

The marts are stand-ins written with DuckDB; the check, the publish, the gate and the run
summary are the project's own.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, Definitions, asset, define_asset_job

from crm_kpi.config import ServingSettings
from crm_kpi.orchestration.defs.quality.checks import build_checks
from crm_kpi.orchestration.defs.serving.serving_assets import build_serving_assets
from crm_kpi.orchestration.resources import build_resources
from crm_kpi.runner import run_job
from crm_kpi.warehouse import Warehouse

MONTHLY = AssetKey(["marts", "mart_manager_monthly"])
DAILY = AssetKey(["marts", "mart_manager_daily"])
ROWS = """
create or replace table marts.{table} as
select * from (values
    ('amocrm:1', '10', 'Anna', date '2026-01-01', 2, 1, 300.00),
    ('amocrm:1', '11', 'Boris', date '2026-01-01', 0, 1, 0.00),
    ('bitrix24:broken', '7', 'Vera', date '2026-01-01', 1, 0, {revenue})
) as t (account_key, manager_id, manager_name, {date_column}, deals_won, deals_lost, revenue)
"""


def _marts(warehouse: Path, broken_revenue: str) -> list:
    @asset(key=DAILY)
    def daily() -> None:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute("create schema if not exists marts")
            connection.execute(
                ROWS.format(
                    table="mart_manager_daily", revenue="100.00", date_column="activity_date"
                )  # fmt: skip
            )

    @asset(key=MONTHLY, deps=[daily])
    def monthly() -> None:
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute(
                ROWS.format(
                    table="mart_manager_monthly", revenue=broken_revenue, date_column="month_start"
                )  # fmt: skip
            )

    return [daily, monthly]


def _job(warehouse: Path, broken_revenue: str, serving_dir: Path):
    defs = Definitions(
        assets=[*_marts(warehouse, broken_revenue), *build_serving_assets([DAILY, MONTHLY])],
        asset_checks=build_checks([DAILY, MONTHLY]),
        jobs=[define_asset_job("nightly", selection=AssetSelection.all())],
        resources=build_resources(
            warehouse=Warehouse(url=f"duckdb:///{warehouse}"),
            serving=ServingSettings(serving_dir=str(serving_dir)),  # PostgreSQL off
        ),
    )
    return defs.resolve_job_def("nightly")


@pytest.fixture
def serving_dir(warehouse: Path, tmp_path: Path) -> Path:
    return tmp_path / "serving"


def _published_accounts(serving_dir: Path) -> set[str]:
    with duckdb.connect(str(serving_dir / "crm_kpi.duckdb"), read_only=True) as connection:
        return {
            row[0]
            for table in ("mart_manager_monthly", "mart_manager_daily")
            for row in connection.execute(f"select distinct account_key from {table}").fetchall()
        }


def test_a_broken_account_is_withheld_and_the_others_are_published(
    warehouse: Path, serving_dir: Path
) -> None:
    summary = run_job(_job(warehouse, "-50.00", serving_dir))  # negative money: broken
    assert not summary.success  # loud: the run fails (and the run-failure alert fires) ...
    [failure] = summary.failures
    assert "account_gate" in failure and "bitrix24:broken" in failure
    assert "revenue" in failure
    # ... but the healthy account is published, the broken one is not (not even its daily rows)
    assert _published_accounts(serving_dir) == {"amocrm:1"}
    assert any("bitrix24:broken: NOT published" in line for line in summary.published)
    assert any("account amocrm:1" in line for line in summary.published)
    assert list((serving_dir / "reports").glob("kpi_report_amocrm_1_*.html"))


def test_healthy_accounts_publish_everything(warehouse: Path, serving_dir: Path) -> None:
    summary = run_job(_job(warehouse, "100.00", serving_dir))  # = its daily rows
    assert summary.success, summary.failures
    assert _published_accounts(serving_dir) == {"amocrm:1", "bitrix24:broken"}
