"""A corrupted mart fails its blocking check: the run fails, serving does not run, people hear.

The mart and the serving step are stand-ins (a tiny table written with DuckDB, an asset that
records whether it ran); the check, the job's blocking behaviour and the alert are the
project's own.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from alert_receivers import smtp_server, webhook_receiver
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    asset,
    build_run_status_sensor_context,
    define_asset_job,
)

from crm_kpi.config import OrchestrationSettings, ServingSettings, Settings
from crm_kpi.orchestration.defs.quality.checks import build_checks
from crm_kpi.orchestration.sensors import FAILURE_SENSOR_NAME, run_failure_alert
from crm_kpi.warehouse import Warehouse

MONTHLY = AssetKey(["marts", "mart_manager_monthly"])
DAILY = AssetKey(["marts", "mart_manager_daily"])
SERVING = AssetKey(["serving", "published_snapshot"])

CLEAN_MONTHLY = """
create or replace table marts.mart_manager_monthly as
select * from (values
    ('amocrm:1', '10', date '2026-01-01', 2, 1, 300.00),
    ('amocrm:1', '11', date '2026-01-01', 0, 1, 0.00)
) as t (account_key, manager_id, month_start, deals_won, deals_lost, revenue)
"""
CORRUPTION = """
update marts.mart_manager_monthly set revenue = -50 where manager_id = '11';
insert into marts.mart_manager_monthly
select * from marts.mart_manager_monthly where manager_id = '10';
"""


def _marts(warehouse: Path, corrupt: bool, served: list[str]) -> list:
    @asset(key=DAILY)
    def daily() -> None:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute("create schema if not exists marts")
            connection.execute(
                "create or replace table marts.mart_manager_daily as select "
                "'amocrm:1' as account_key, '10' as manager_id, date '2026-01-05' as "
                "activity_date, 2 as deals_won, 300.00 as revenue"
            )

    @asset(key=MONTHLY, deps=[daily])
    def monthly() -> None:
        with duckdb.connect(str(warehouse)) as connection:
            connection.execute(CLEAN_MONTHLY)
            if corrupt:
                connection.execute(CORRUPTION)

    @asset(key=SERVING, deps=[monthly, daily])
    def published_snapshot() -> None:
        served.append("published")

    return [daily, monthly, published_snapshot]


def _run(warehouse: Path, corrupt: bool, instance: DagsterInstance) -> tuple:
    served: list[str] = []
    defs = Definitions(
        assets=_marts(warehouse, corrupt, served),
        asset_checks=build_checks([DAILY, MONTHLY]),
        resources={
            "warehouse": Warehouse(url=f"duckdb:///{warehouse}"),
            "settings": Settings.from_env(env_vars=False),
        },
        jobs=[define_asset_job("nightly", selection=AssetSelection.all())],
    )
    result = defs.resolve_job_def("nightly").execute_in_process(
        instance=instance, raise_on_error=False
    )
    return result, served


@pytest.fixture
def alerts(monkeypatch: pytest.MonkeyPatch):
    """SMTP and webhook receivers, configured as the alert channels."""
    with smtp_server() as (port, inbox), webhook_receiver() as (url, posted):
        monkeypatch.setenv("CRM_KPI_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CRM_KPI_SMTP_PORT", str(port))
        monkeypatch.setenv("CRM_KPI_SMTP_STARTTLS", "false")
        monkeypatch.setenv("CRM_KPI_ALERT_EMAILS", "head-of-data@example.com")
        monkeypatch.setenv("CRM_KPI_ALERT_WEBHOOK_URL", url)
        yield inbox, posted


def test_clean_mart_is_published(warehouse: Path) -> None:
    with DagsterInstance.ephemeral() as instance:
        result, served = _run(warehouse, corrupt=False, instance=instance)
    assert result.success
    assert served == ["published"]


def test_corrupted_mart_blocks_serving_and_alerts(warehouse: Path, alerts) -> None:
    inbox, posted = alerts
    with DagsterInstance.ephemeral() as instance:
        result, served = _run(warehouse, corrupt=True, instance=instance)

        # the check failed, with failed rows and a sample in its metadata
        assert not result.success
        evaluations = {
            e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == MONTHLY
        }
        gate = evaluations["gx_mart_manager_monthly"]
        assert not gate.passed
        # 1 negative revenue (the duplicated grain row is dbt's unique test's to find)
        assert gate.metadata["failed_rows"].value >= 1
        failures = gate.metadata["failures"].value
        assert "revenue" in failures and "-50" in failures
        assert gate.metadata["data_docs"].value.startswith("file://")

        # serving never ran, and the run reports the failed check
        assert served == []
        materialized = {
            e.asset_key
            for e in result.all_events
            if e.event_type == DagsterEventType.ASSET_MATERIALIZATION
        }
        assert SERVING not in materialized and MONTHLY in materialized
        failure = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)

        # the run-failure sensor notifies by email and webhook
        context = build_run_status_sensor_context(
            sensor_name=FAILURE_SENSOR_NAME,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=failure,
            resources={  # the alert channels, as the code location's resources carry them
                "orchestration_settings": OrchestrationSettings.from_env(),
                "serving_settings": ServingSettings.from_env(),
            },
        ).for_run_failure()
        run_failure_alert(context)

    [email] = inbox
    assert "failed" in email["Subject"] and email["To"] == "head-of-data@example.com"
    body = email.get_payload()
    assert "gx_mart_manager_monthly" in body and "not published" in body
    [hook] = posted
    assert hook["run_id"] == result.run_id
    assert any("gx_mart_manager_monthly" in line for line in hook["details"])


def test_a_check_that_raises_fails_and_blocks_and_the_others_in_its_step_still_report() -> None:
    from dagster import AssetCheckResult, AssetCheckSpec, materialize

    from crm_kpi.orchestration.defs.quality.checks import _Check, checks_step

    @asset(key=["marts", "first"])
    def first() -> None: ...

    @asset(key=["marts", "second"])
    def second() -> None: ...

    def raises(*_args: object) -> AssetCheckResult:
        raise RuntimeError("the warehouse went away")

    def passes(*_args: object) -> AssetCheckResult:
        return AssetCheckResult(asset_key=second.key, check_name="gx_second", passed=True)

    step = checks_step(
        "quality",
        [
            _Check(AssetCheckSpec("gx_first", asset=first.key, blocking=True), raises),
            _Check(AssetCheckSpec("gx_second", asset=second.key, blocking=True), passes),
        ],
    )
    result = materialize(
        [first, second, step],
        resources={"warehouse": Warehouse(url="duckdb:///:memory:"), "settings": Settings()},
        raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["gx_first"].passed
    assert (
        "RuntimeError: the warehouse went away" in evaluations["gx_first"].metadata["error"].value
    )
    assert evaluations["gx_second"].passed  # evaluated after the one that raised
    assert not result.success  # a blocking check that raised fails its step
