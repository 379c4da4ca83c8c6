"""Fixtures of the serving tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_fixtures import make_warehouse


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    """A tiny warehouse with the two core marts and three optional ones."""
    return make_warehouse(tmp_path / "wh" / "crm_kpi.duckdb")
