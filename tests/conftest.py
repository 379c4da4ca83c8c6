"""Shared test set-up: no telemetry, and every test's warehouse in a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# A failing ingestion step in a test should fail fast, not back off for minutes.
os.environ.setdefault("CRM_KPI_RETRY_DELAY_SECONDS", "0.1")

# The `slow` tier (`make test-slow`; CI runs it too): whole-pipeline runs, the Dagster
# webserver, Chromium, PostgreSQL, and source acceptance runs against a faulty emulator.
# Node-id prefixes below `tests/`; a test can also carry `@pytest.mark.slow` itself.
SLOW_TESTS = (
    "e2e/",
    "orchestration/test_webserver.py",
    "orchestration/test_ui_browser.py",
    "orchestration/test_instance.py",
    "orchestration/test_ingestion_retries.py",
    "serving/test_postgres.py",
    "serving/test_serving_assets.py::test_postgres_publish_and_pbids_when_configured",
    "ingestion/test_amocrm_source_acceptance.py",
    "ingestion/test_amocrm_source_features.py::test_an_account_without_api_filters",
    "ingestion/test_bitrix24_source.py::test_deleted_deal_is_flagged_after_the_next",
    "ingestion/test_bitrix24_source.py::test_second_run_reads_only_changes",
    "ingestion/test_bitrix24_source.py::test_raw_tables_with_ten_percent_faults",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests listed in ``SLOW_TESTS`` ``slow``."""
    for item in items:
        node = item.nodeid.removeprefix("tests/")
        if node.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty warehouse path (and data folder) for one test."""
    path = tmp_path / "warehouse" / "crm_kpi.duckdb"
    monkeypatch.setenv("CRM_KPI_WAREHOUSE", str(path))
    monkeypatch.setenv("CRM_KPI_DATA_DIR", str(tmp_path / "data"))
    yield path
