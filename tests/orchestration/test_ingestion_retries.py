"""An ingestion step that fails twice (injected faults) completes through the job's retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig
from dagster import DagsterEventType, DagsterInstance, Definitions

import crm_kpi.orchestration.defs.dlt.crm_ingestion as crm_ingestion
from crm_kpi.orchestration.defs.dlt.crm_ingestion import amocrm_raw
from crm_kpi.orchestration.jobs import build_nightly_job
from crm_kpi.orchestration.resources import build_resources

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
    warehouse: Path, emulated_amocrm: AmoCrmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_KPI_RETRY_DELAY_SECONDS", "0.05")
    attempts: list[int] = []
    real_source = crm_ingestion.amocrm_source

    def flaky_source(*args: Any, **kwargs: Any) -> Any:
        attempts.append(len(attempts) + 1)
        if len(attempts) <= 2:
            raise ConnectionError(f"injected fault #{len(attempts)}: amoCRM unreachable")
        return real_source(*args, **kwargs)

    monkeypatch.setattr(crm_ingestion, "amocrm_source", flaky_source)
    job = build_nightly_job("retry_test")  # the production job, built with the test's delay
    defs = Definitions(assets=[amocrm_raw], jobs=[job], resources=build_resources())
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("retry_test").execute_in_process(
            instance=instance, raise_on_error=False
        )
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
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (leads,) = connection.execute("select count(*) from raw_amocrm.leads").fetchone()
    assert leads > 0
