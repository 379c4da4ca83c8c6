"""Fixtures of the serving tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_fixtures import make_warehouse, start_postgres


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    """A tiny warehouse with the two core marts and three optional ones."""
    return make_warehouse(tmp_path / "wh" / "crm_kpi.duckdb")


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """A fresh database on the machine's PostgreSQL 15, owned by a CREATEROLE (non-super) user."""
    return start_postgres()
