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

# Every test of these folders runs the whole pipeline: the `slow` tier (`make test-slow`).
SLOW_FOLDERS = ("e2e",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of the whole-pipeline folders ``slow``."""
    tests_root = Path(__file__).parent
    for item in items:
        relative = item.path.relative_to(tests_root)
        if relative.parts and relative.parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty warehouse path (and data folder) for one test."""
    path = tmp_path / "warehouse" / "crm_kpi.duckdb"
    monkeypatch.setenv("CRM_KPI_WAREHOUSE", str(path))
    monkeypatch.setenv("CRM_KPI_DATA_DIR", str(tmp_path / "data"))
    yield path
