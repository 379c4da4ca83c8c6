"""Recorded public API responses (``tests/fixtures/recorded/``, origins in its README) replayed
over local HTTP through the REAL sources into DuckDB, then through ``dbt build``.

The load tests check what lands in the raw schemas. The dbt tests pin one defect of issue 10
each (named in the comment above the test): each fails if that fix is reverted. Values are
hand-computed from the payloads (see the README).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from replay_server import ReplayServer

from crm_kpi.config import DBT_PROJECT_DIR
from crm_kpi.sources.amocrm import amocrm_source
from crm_kpi.sources.bitrix24 import bitrix24_source

pytestmark = pytest.mark.slow  # two loads (~40 s) and a dbt run (~80 s)

PORTAL = "example.bitrix24.com"
AMO = "amocrm:28805383"
B24 = f"bitrix24:{PORTAL}"


def _run(source: Any, warehouse: Path, work: Path, crm: str) -> None:
    pipeline = dlt.pipeline(
        pipeline_name=f"replay_{crm}",
        destination=dlt.destinations.duckdb(str(warehouse)),
        dataset_name=f"raw_{crm}",
        pipelines_dir=str(work / "dlt"),
    )
    pipeline.run(source, loader_file_format="parquet")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse after both real sources read the recorded responses."""
    work = tmp_path_factory.mktemp("replay")
    warehouse = work / "wh.duckdb"
    with ReplayServer() as server:
        _run(
            amocrm_source(subdomain="example", access_token="recorded", base_url=server.base_url,
                          requests_per_second=100),
            warehouse, work, "amocrm",
        )  # fmt: skip
        _run(
            bitrix24_source(portal=PORTAL, webhook_url=f"{server.base_url}/rest/1/recorded/",
                            requests_per_second=100),
            warehouse, work, "bitrix24",
        )  # fmt: skip
    return warehouse


def _query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


# ---- the load (must pass) ---------------------------------------------------------------------


def test_load_amocrm_notes_keep_caller_owner_and_robot(loaded: Path) -> None:
    rows = _query(
        loaded,
        "select id, note_type, created_by, responsible_user_id from raw_amocrm.lead_notes"
        " order by id",
    )
    assert rows == [
        (1254829, "call_in", 504142, 504141),
        (1254830, "common", 0, 28805383),
    ]


def test_load_amocrm_account_without_currency_and_multi_value_phone(loaded: Path) -> None:
    columns = {r[0] for r in _query(loaded, "describe raw_amocrm.account")}
    assert "currency" not in columns
    phones = _query(
        loaded,
        "select value, enum_code from raw_amocrm.contact_custom_field_values"
        " where field_code = 'PHONE' order by value_index",
    )
    assert phones == [("+79123", "WORK"), ("+79161234567", "MOB")]


def test_load_bitrix24_blank_source_and_telephony_without_activity(loaded: Path) -> None:
    deals = _query(loaded, "select cast(id as int), source_id from raw_bitrix24.deals")
    assert deals == [(410, "")]
    calls = _query(
        loaded, "select cast(id as int), crm_activity_id, portal_user_id from raw_bitrix24.calls"
    )
    assert calls == [(7, "7943", "1")]  # activity 7943 is not in the portal's activities
    assert _query(loaded, "select cast(id as int) from raw_bitrix24.activities") == [(20,)]


def test_load_bitrix24_portal_offset_captured_before_conversion(loaded: Path) -> None:
    rows = _query(loaded, "select portal, timezone, utc_offset from raw_bitrix24.portal_settings")
    assert rows == [(PORTAL, None, "+02:00")]


# ---- dbt build on the recorded account (slow) ----------------------------------------------


@pytest.fixture(scope="module")
def built(loaded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``dbt build`` of the marts the assertions read (failures of tests are reported by the
    assertions themselves, so only a build that cannot run fails here)."""
    work = tmp_path_factory.mktemp("replay_dbt")
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "CRM_KPI_WAREHOUSE": str(loaded), "DO_NOT_TRACK": "1"}
    command = [
        str(dbt), "run", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
        str(DBT_PROJECT_DIR), "--target-path", str(work / "target"), "--log-path",
        str(work / "logs"), "--select", "+fct_deals", "+fct_activities", "+mart_manager_daily",
        "+mart_manager_monthly", "-q",
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return loaded


def test_dbt_fct_deals_of_both_accounts(built: Path) -> None:
    rows = _query(
        built,
        "select account_key, deal_id, status, amount, manager_id from core.fct_deals"
        " order by account_key",
    )
    assert rows == [
        (AMO, "3912171", "lost", 12, "504141"),
        (B24, "410", "open", 1000000, "1"),
    ]


# pins the fix of: blank strings: SOURCE_ID '' is NULL in staging
def test_dbt_blank_bitrix24_source_is_null(built: Path) -> None:
    assert _query(built, f"select lead_source from core.fct_deals where account_key = '{B24}'") == [
        (None,)
    ]


# pins the fix of: attribution: amoCRM calls to created_by, robot notes to no manager
def test_dbt_amocrm_call_credited_to_the_caller_robot_to_nobody(built: Path) -> None:
    rows = _query(
        built,
        "select source_record_id, activity_type, manager_id, duration_seconds from"
        f" core.fct_activities where account_key = '{AMO}' order by source_record_id",
    )
    assert rows == [("1254829", "call", "504142", 130), ("1254830", "note", None, None)]
    managers = _query(
        built,
        f"select distinct manager_id from marts.mart_manager_daily where account_key = '{AMO}'",
    )
    assert ("28805383",) not in managers


# pins the fix of: Bitrix24 calls: telephony without activity counts; activity without telephony
def test_dbt_bitrix24_calls_from_telephony_and_activity(built: Path) -> None:
    rows = _query(
        built,
        "select manager_id, direction, duration_seconds, outcome from core.fct_activities"
        f" where account_key = '{B24}' and activity_type = 'call' order by manager_id",
    )
    assert rows == [("1", "inbound", 95, "answered"), ("505", "outbound", 130, "answered")]


# pins the fix of: per-portal time zone from portal_settings (+02:00): 23:25 local stays on 30 Aug
def test_dbt_bitrix24_local_date_uses_the_portal_offset(built: Path) -> None:
    rows = _query(
        built,
        "select cast(occurred_date as varchar) from core.fct_activities"
        f" where account_key = '{B24}' and manager_id = '505' and activity_type = 'call'",
    )
    assert rows == [("2024-08-30",)]
    daily = _query(
        built,
        "select cast(activity_date as varchar), calls_total from marts.mart_manager_daily"
        f" where account_key = '{B24}' and manager_id = '505' and calls_total > 0",
    )
    assert daily == [("2024-08-30", 1)]
