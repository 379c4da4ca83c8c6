"""The same synthetic company through both emulators gives the same manager marts.

Both CRMs are loaded into one warehouse (dlt), the marts are built (dbt), and
``mart_manager_daily`` / ``mart_manager_monthly`` must agree between the two accounts apart
from ``account_key`` and the documented effect of reassignment (README, Bitrix24 section):
Bitrix24 REST has no history of responsible users, so a Bitrix24 deal's creating, closing and
end-of-period manager is its current one. Hence:

- activity measures (calls, meetings, e-mails, tasks, notes) agree per manager and period;
- deal measures (created, won, lost, revenue, open pipeline) agree per period summed over the
  account's managers (who gets them may differ for reassigned deals).

The company (issue 10's acceptance) has deleted deals, a leaver (a manager fired on day 50
who keeps some open deals for a while) and a portal off Moscow time (Asia/Novosibirsk,
+07:00, in both CRMs); the emulators' defaults add covered calls, robot notes, Bitrix24
telephony records without activities and the reverse, and empty strings.

Needs the dbt fixes of issue 10 (attribution by ``created_by``, robot notes to no manager,
Bitrix24 calls from telephony records, deleted deals excluded in both CRMs, the per-portal
time zone from ``raw_bitrix24.portal_settings``, leavers' open deals): until they are merged
the comparison fails.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import dlt
import duckdb
import pandas as pd
import pytest
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator
from crm_kpi_emulators.synthetic import Company, CompanyConfig

from crm_kpi.config import DBT_PROJECT_DIR
from crm_kpi.sources.amocrm import amocrm_source
from crm_kpi.sources.bitrix24 import bitrix24_source

pytestmark = pytest.mark.slow

COMPANY = CompanyConfig(
    seed=17,
    start_date=dt.date(2026, 3, 2),
    days=62,
    managers=4,
    teams=1,
    deals_per_day=3.0,
    timezone="Asia/Novosibirsk",
)
PERIOD = {"mart_manager_daily": "activity_date", "mart_manager_monthly": "month_start"}
ACTIVITY_MEASURES = (
    "calls_total", "calls_outbound", "calls_inbound", "calls_answered", "calls_missed",
    "call_duration_seconds", "meetings_held", "emails_sent", "emails_received",
    "tasks_created", "tasks_completed", "tasks_completed_on_time", "tasks_overdue",
    "notes_created",
)  # fmt: skip
DEAL_MEASURES = (
    "deals_created", "deals_won", "deals_lost", "revenue", "lost_amount",
    "open_deals_end", "open_pipeline_amount_end", "weighted_pipeline_end",
)  # fmt: skip


def _load(warehouse: Path, work: Path, crm: str, source: object) -> None:
    pipeline = dlt.pipeline(
        pipeline_name=f"equivalence_{crm}",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name=f"raw_{crm}",
        pipelines_dir=str(work / "dlt"),
    )
    pipeline.run(source, loader_file_format="parquet")


def _build(warehouse: Path, work: Path) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "CRM_KPI_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    command = [
        str(dbt), "run", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
        str(DBT_PROJECT_DIR), "--target-path", str(work / "target"), "--log-path",
        str(work / "logs"), "--select", "+mart_manager_daily", "+mart_manager_monthly", "-q",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _mart(warehouse: Path, name: str, crm: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select * exclude (account_key) from marts.{name} where account_key like ?",
            [f"{crm}:%"],
        ).df()


def _columns(frame: pd.DataFrame, wanted: tuple[str, ...]) -> list[str]:
    return [column for column in wanted if column in frame.columns]


def _activities(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Activity measures per manager and period, rows with any activity only."""
    measures = _columns(frame, ACTIVITY_MEASURES)
    active = frame[frame[measures].fillna(0).ne(0).any(axis=1)]
    keys = ["manager_id", period]
    return active[keys + measures].sort_values(keys).reset_index(drop=True)


def _deal_totals(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Deal measures per period, summed over the account's managers."""
    measures = _columns(frame, DEAL_MEASURES)
    totals = frame.groupby(period)[measures].sum(min_count=1).astype(float).round(2)
    return totals.sort_index().reset_index()


def test_the_company_has_what_the_acceptance_needs() -> None:
    company = Company(COMPANY)
    fired = [m for m in company.static.managers if m.fired_day is not None]
    assert fired and all(m.fired_day < COMPANY.days for m in fired), "a leaver"
    deleted = {deal.id for day in company.days() for deal in day.deals if deal.is_deleted}
    assert deleted, "deleted deals"
    assert COMPANY.timezone != "Europe/Moscow"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse holding the company as loaded from both emulators, marts built."""
    work = tmp_path_factory.mktemp("equivalence")
    path = work / "wh.duckdb"
    with AmoCrmEmulator(COMPANY, token="t") as amo, Bitrix24Emulator(COMPANY) as bitrix:
        _load(path, work, "amocrm", amocrm_source(
            subdomain=amo.subdomain, access_token="t", base_url=amo.base_url,
            requests_per_second=200,
        ))  # fmt: skip
        _load(path, work, "bitrix24", bitrix24_source(
            portal=bitrix.portal, webhook_url=bitrix.webhook_url, requests_per_second=200,
        ))  # fmt: skip
    _build(path, work)
    return path


@pytest.mark.parametrize("mart", sorted(PERIOD))
def test_activity_measures_agree_per_manager(warehouse: Path, mart: str) -> None:
    period = PERIOD[mart]
    amo = _activities(_mart(warehouse, mart, "amocrm"), period)
    bitrix = _activities(_mart(warehouse, mart, "bitrix24"), period)
    assert len(amo) > 0
    pd.testing.assert_frame_equal(amo, bitrix, check_dtype=False)


@pytest.mark.parametrize("mart", sorted(PERIOD))
def test_deal_measures_agree_per_period(warehouse: Path, mart: str) -> None:
    period = PERIOD[mart]
    amo = _deal_totals(_mart(warehouse, mart, "amocrm"), period)
    bitrix = _deal_totals(_mart(warehouse, mart, "bitrix24"), period)
    assert len(amo) > 0
    pd.testing.assert_frame_equal(amo, bitrix, check_dtype=False)


@pytest.mark.parametrize("mart", sorted(PERIOD))
def test_same_managers_and_periods(warehouse: Path, mart: str) -> None:
    """Zero-filling: the same (manager, period) rows, the leaver included while holding
    open deals (in Bitrix24 "holding" is by the current responsible: rows of the leaver
    after the hand-over may be missing there, the reassignment effect)."""
    period = PERIOD[mart]
    amo = set(map(tuple, _mart(warehouse, mart, "amocrm")[["manager_id", period]].values))
    bitrix = set(map(tuple, _mart(warehouse, mart, "bitrix24")[["manager_id", period]].values))
    leavers = {str(m.id) for m in Company(COMPANY).static.managers if m.fired_day is not None}
    assert {row for row in bitrix ^ amo if str(row[0]) not in leavers} == set()
