"""Contracts 2 and 3: deterministic client errors fail at once; optional endpoints are skipped.

The emulators answer a chosen status on one endpoint (``status_overrides``); the real sources
must raise ``PermanentApiError`` naming the CRM, endpoint and status within seconds (no
back-off loops), or, for an optional endpoint, log one ``optional endpoint skipped:`` warning
on ``crm_kpi.ingestion`` and load the rest.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import dlt
import pytest
from amocrm_harness import COMPANY, TOKEN, query, run_source
from crm_kpi_emulators.amocrm import AmoCrmEmulator, EmulatorOptions
from crm_kpi_emulators.bitrix24 import Bitrix24Emulator, Bitrix24Options
from dlt.pipeline.exceptions import PipelineStepFailed

from crm_kpi.sources.bitrix24 import bitrix24_source
from crm_kpi.sources.common.errors import SKIPPED_PREFIX, PermanentApiError

SMALL = dataclasses.replace(COMPANY, days=5)


def _permanent(error: BaseException) -> PermanentApiError | None:
    """The ``PermanentApiError`` in the chain of causes of ``error`` (dlt wraps it)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, PermanentApiError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _skipped(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "crm_kpi.ingestion"
        and record.levelno == logging.WARNING
        and record.getMessage().startswith(SKIPPED_PREFIX)
    ]


def _bitrix_load(emulator: Bitrix24Emulator, folder: Path) -> None:
    pipeline = dlt.pipeline(
        pipeline_name="bitrix24_errors",
        destination=dlt.destinations.duckdb(str(folder / "wh.duckdb")),
        dataset_name="raw_bitrix24",
        pipelines_dir=str(folder / "dlt"),
    )
    source = bitrix24_source(portal=emulator.portal, webhook_url=emulator.webhook_url)
    pipeline.run(source, loader_file_format="parquet")


def test_amocrm_400_on_an_essential_endpoint_fails_at_once(tmp_path: Path) -> None:
    options = EmulatorOptions(status_overrides=(("leads", 400),))
    with AmoCrmEmulator(SMALL, token=TOKEN, options=options) as emu:
        started = time.monotonic()
        with pytest.raises(PipelineStepFailed) as failure:
            run_source(emu, tmp_path)
        elapsed = time.monotonic() - started
        # The leads listing itself; the bin (``with=only_deleted``) is another resource, which
        # may ask before the failure stops the extract (resources run in parallel).
        lead_requests = [
            e for e in emu.request_log if e[1] == "/api/v4/leads" and "only_deleted" not in e[2]
        ]
    error = _permanent(failure.value)
    assert error is not None, failure.value
    assert (error.crm, error.endpoint, error.status) == ("amoCRM", "GET /api/v4/leads", 400)
    assert str(error).startswith("amoCRM GET /api/v4/leads answered 400")
    assert error.hint and error.hint in str(error)
    assert len(lead_requests) == 1, "a 400 must not be retried"
    assert elapsed < 20


def test_amocrm_404_on_leads_tags_is_skipped_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = EmulatorOptions(status_overrides=(("leads/tags", 404),))
    caplog.set_level(logging.WARNING, logger="crm_kpi.ingestion")
    with AmoCrmEmulator(SMALL, token=TOKEN, options=options) as emu:
        run_source(emu, tmp_path)
        account = f"amocrm:{emu.account_id}"
        leads = emu.store.counts()["leads"]
    warnings = _skipped(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    for part in ("amoCRM", account, "GET /api/v4/leads/tags", "404"):
        assert part in message
    assert query(tmp_path, "select count(*) from raw_amocrm.leads")[0][0] > 0 < leads
    tables = query(
        tmp_path,
        "select table_name from information_schema.tables where table_schema = 'raw_amocrm'",
    )
    assert ("leads",) in tables and ("lead_notes",) in tables and ("events",) in tables
    if ("tags",) in tables:  # (dbt staging copes with a missing table: fill_source_columns)
        assert not query(tmp_path, "select 1 from raw_amocrm.tags where entity_type = 'leads'")


def test_bitrix24_400_on_an_essential_method_fails_at_once(tmp_path: Path) -> None:
    options = Bitrix24Options(status_overrides=(("crm.deal.list", 400),))
    with Bitrix24Emulator(SMALL, options=options) as emulator:
        started = time.monotonic()
        with pytest.raises(PipelineStepFailed) as failure:
            _bitrix_load(emulator, tmp_path)
        elapsed = time.monotonic() - started
    error = _permanent(failure.value)
    assert error is not None, failure.value
    assert (error.crm, error.endpoint) == ("Bitrix24", "crm.deal.list")
    assert "INVALID_ARG_VALUE" in str(error)
    assert elapsed < 20


def test_bitrix24_403_on_a_direct_call_names_the_status(tmp_path: Path) -> None:
    options = Bitrix24Options(status_overrides=(("user.get", 403),))
    with (
        Bitrix24Emulator(SMALL, options=options) as emulator,
        pytest.raises(PipelineStepFailed) as failure,
    ):
        _bitrix_load(emulator, tmp_path)
    error = _permanent(failure.value)
    assert error is not None and error.status == 403 and error.endpoint == "user.get"
    assert str(error).startswith("Bitrix24 user.get answered 403")


def test_bitrix24_optional_method_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = Bitrix24Options(status_overrides=(("department.get", 403),))
    caplog.set_level(logging.WARNING, logger="crm_kpi.ingestion")
    with Bitrix24Emulator(SMALL, options=options) as emulator:
        _bitrix_load(emulator, tmp_path)
        portal = emulator.portal
    warnings = _skipped(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    for part in ("Bitrix24", f"bitrix24:{portal}", "department.get", "403"):
        assert part in message
    assert query(tmp_path, "select count(*) from raw_bitrix24.deals")[0][0] > 0


def test_a_5xx_is_still_retried_not_permanent() -> None:
    from crm_kpi.sources.bitrix24.helpers.errors import is_permanent

    assert not is_permanent("QUERY_LIMIT_EXCEEDED", 503)
    assert not is_permanent("OPERATION_TIME_LIMIT", 429)
    assert not is_permanent("INTERNAL_SERVER_ERROR", 500)
    assert is_permanent("OVERLOAD_LIMIT", 503)
    assert is_permanent("", 400)
    assert is_permanent("expired_token", 401)  # still refused after the transport's refresh
