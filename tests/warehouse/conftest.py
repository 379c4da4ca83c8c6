"""A scratch PostgreSQL database for the warehouse tests."""

from __future__ import annotations

import pytest
from service_helpers import start_postgres


@pytest.fixture(scope="session")
def postgres_warehouse_url() -> str:
    """A fresh database on the machine's PostgreSQL 15."""
    return start_postgres("crm_kpi_warehouse_test").split("?", 1)[0]
