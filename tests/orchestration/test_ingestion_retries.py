"""An ingestion step that fails twice (injected faults) completes through the job's retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from account_jobs import ingestion_job, load_account, only_account
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig
from dagster import DagsterEventType, DagsterInstance

from crm_kpi.config import OrchestrationSettings
from crm_kpi.sources.pipelines import account_file
from crm_kpi.sources.registry import crm

TOKEN = "retry-token"
TINY = CompanyConfig(seed=3, start_date=dt.date(2026, 7, 6), days=5, managers=2, teams=1)


@pytest.fixture
def emulated_amocrm(monkeypatch: pytest.MonkeyPatch) -> Iterator[AmoCrmEmulator]:
    with AmoCrmEmulator(TINY, token=TOKEN, host="127.0.0.1", port=0) as emulator:
        monkeypatch.setenv("SOURCES__AMOCRM__SUBDOMAIN", emulator.subdomain)
        monkeypatch.setenv("SOURCES__AMOCRM__BASE_URL", emulator.base_url)
        monkeypatch.setenv("SOURCES__AMOCRM__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
        yield emulator


def test_ingestion_heals_after_two_injected_faults(
    warehouse: Path, emulated_amocrm: AmoCrmEmulator
) -> None:
    attempts: list[int] = []
    real_source = crm("amocrm").source

    def flaky_source(account: Any = None, **kwargs: Any) -> Any:
        if account is None:  # the assets' description, built when they are defined
            return real_source(**kwargs)
        attempts.append(len(attempts) + 1)
        if len(attempts) <= 2:
            raise ConnectionError(f"injected fault #{len(attempts)}: amoCRM unreachable")
        return real_source(account, **kwargs)

    # the production job, built with the test's source and delay
    job, plugin = ingestion_job(
        source=flaky_source, settings=OrchestrationSettings(retry_delay_seconds=0.05)
    )
    account = only_account(plugin)
    with DagsterInstance.ephemeral() as instance:
        result = load_account(job, account, instance)
    assert result.success
    assert attempts == [1, 2, 3]
    retries = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 2
    # dlt's load statistics are the raw assets' metadata
    [leads_load] = [
        m
        for m in result.asset_materializations_for_node("amocrm_raw")
        if m.asset_key.path[-1] == "leads"
    ]
    assert leads_load.metadata["rows_loaded"].value > 0
    assert leads_load.metadata["dataset_name"].value == "raw_amocrm"
    # on DuckDB the account loads into its own staging file (docs/accounts.md)
    staged = account_file(warehouse.parent.parent / "data" / "accounts", account)
    with duckdb.connect(str(staged), read_only=True) as connection:
        (leads,) = connection.execute("select count(*) from raw_amocrm.leads").fetchone()
    assert leads > 0
