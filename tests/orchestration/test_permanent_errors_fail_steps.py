"""Deterministic API errors fail the run at once; optional-endpoint warnings reach the summary.

The 400 is injected at the HTTP level (the emulator answers it); until the amoCRM source
raises ``PermanentApiError`` itself (engineer ingestion, contract 2), the test makes its
``error_for_response`` do so for 4xx answers other than 429, as the contract says.
The optional-endpoint warning is the source's (contract 3); here a stub source logs it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from account_jobs import ingestion_job, load_account, only_account
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.amocrm.responses import problem
from crm_kpi_emulators.synthetic import CompanyConfig
from dagster import DagsterEventType

import crm_kpi.sources.amocrm.helpers.client as amocrm_client
from crm_kpi.config import OrchestrationSettings
from crm_kpi.runner import RunStep, run_steps
from crm_kpi.sources.amocrm.helpers.errors import AmoCrmApiError
from crm_kpi.sources.common.errors import PermanentApiError
from crm_kpi.sources.registry import crm

TOKEN = "permanent-token"
TINY = CompanyConfig(seed=5, start_date=dt.date(2026, 7, 6), days=5, managers=2, teams=1)


@pytest.fixture
def emulated_amocrm(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AmoCrmEmulator]:
    with AmoCrmEmulator(TINY, token=TOKEN, host="127.0.0.1", port=0) as emulator:
        monkeypatch.setenv("SOURCES__AMOCRM__SUBDOMAIN", emulator.subdomain)
        monkeypatch.setenv("SOURCES__AMOCRM__BASE_URL", emulator.base_url)
        monkeypatch.setenv("SOURCES__AMOCRM__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
        yield emulator


def _answer_400_on(emulator: AmoCrmEmulator, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    api = emulator._api
    real_handle = api.handle

    def handle(request: Any) -> Any:
        if request.path.rstrip("/") == path:
            return problem(400, "Bad Request: filter is not allowed")
        return real_handle(request)

    monkeypatch.setattr(api, "handle", handle)
    if not issubclass(AmoCrmApiError, PermanentApiError):  # contract 2 not merged yet
        real_error = amocrm_client.error_for_response

        def error_for_response(endpoint: str, response: Any) -> Exception:
            status = response.status_code
            if 400 <= status < 500 and status != 429:
                hint = "the API refused the request; check the source's filters"
                return PermanentApiError("amoCRM", f"GET {endpoint}", status, hint)
            return real_error(endpoint, response)

        monkeypatch.setattr(amocrm_client, "error_for_response", error_for_response)


# retries that would take minutes if a permanent error were retried
SLOW_RETRIES = OrchestrationSettings(retry_max=3, retry_delay_seconds=30)


def _amocrm_step(source: Any = None) -> RunStep:
    job, plugin = ingestion_job(source=source, settings=SLOW_RETRIES)  # retries and all
    return RunStep(job, only_account(plugin))


def test_400_on_an_essential_endpoint_fails_at_once_naming_it(
    emulated_amocrm: AmoCrmEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer_400_on(emulated_amocrm, "/api/v4/leads", monkeypatch)
    step = _amocrm_step()
    log_path = tmp_path / "logs" / "last_run.log"
    started = time.monotonic()
    summary = run_steps([step], log_path)
    assert time.monotonic() - started < 60
    assert not summary.success
    [failure] = summary.failures
    assert "/api/v4/leads" in failure and "400" in failure and "filters" in failure
    assert summary.failed_accounts == [step.account.partition_key]
    # the log file of the failed run holds the failure and its traceback
    log = log_path.read_text()
    assert "the run FAILED" in log and "/api/v4/leads" in log
    assert "Traceback" in log or "Stack Trace" in log or 'File "' in log


def test_no_retry_events_for_a_permanent_error(
    emulated_amocrm: AmoCrmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer_400_on(emulated_amocrm, "/api/v4/leads", monkeypatch)
    from dagster import DagsterInstance

    step = _amocrm_step()
    with DagsterInstance.ephemeral() as instance:
        result = load_account(step.job, step.account, instance)
    assert not result.success
    kinds = [event.event_type for event in result.all_events]
    assert DagsterEventType.STEP_UP_FOR_RETRY not in kinds


def test_optional_endpoint_warning_is_in_the_summary_and_the_ui(
    emulated_amocrm: AmoCrmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = (
        "optional endpoint skipped: amoCRM account "
        f"{emulated_amocrm.subdomain} GET /api/v4/leads/tags answered 404"
    )
    real_source = crm("amocrm").source

    def source_that_skips_tags(*args: Any, **kwargs: Any) -> Any:
        logging.getLogger("crm_kpi.ingestion.amocrm").warning(message)
        return real_source(*args, **kwargs)

    from dagster import DagsterInstance

    step = _amocrm_step(source_that_skips_tags)
    summary = run_steps([step])
    assert summary.success, summary.failures
    assert summary.ingestion_warnings == [message]
    with DagsterInstance.ephemeral() as instance:
        result = load_account(step.job, step.account, instance)
        entries = instance.all_logs(result.run_id)
    warnings = [e.user_message for e in entries if e.level >= logging.WARNING]
    assert any(message in warning for warning in warnings), [
        (e.level, e.user_message) for e in entries if e.dagster_event is None
    ]
    [leads] = [
        m
        for m in result.asset_materializations_for_node("amocrm_raw")
        if m.asset_key.path[-1] == "leads"
    ]
    assert "/api/v4/leads/tags" in leads.metadata["source_warnings"].value
