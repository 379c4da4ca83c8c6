"""`crm-kpi run` (not the demo) is the whole nightly job: it publishes everything, per account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import pytest
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig
from service_helpers import PG_TEST_DB, skip_or_fail, start_postgres

from crm_kpi.cli import main

# The whole job on a shared two-core machine takes minutes.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

TOKEN = "run-command-token"
COMPANY = CompanyConfig(seed=11, start_date=dt.date(2026, 6, 1), days=45, managers=3, teams=1)
PG_SCHEMA = "crm_kpi_run_command"


@pytest.fixture
def configured(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AmoCrmEmulator]:
    """One emulated amoCRM account, configured the way a user configures a real one."""
    with AmoCrmEmulator(COMPANY, token=TOKEN, host="127.0.0.1", port=0) as emulator:
        monkeypatch.setenv("SOURCES__AMOCRM__SUBDOMAIN", emulator.subdomain)
        monkeypatch.setenv("SOURCES__AMOCRM__BASE_URL", emulator.base_url)
        monkeypatch.setenv("SOURCES__AMOCRM__ACCESS_TOKEN", TOKEN)
        monkeypatch.setenv("SOURCES__AMOCRM__REQUESTS_PER_SECOND", "200")
        monkeypatch.setenv("CRM_KPI_SERVING_DIR", str(tmp_path / "serving"))
        yield emulator


def _postgres(monkeypatch: pytest.MonkeyPatch) -> str | None:
    try:
        dsn = start_postgres(PG_TEST_DB)
    except pytest.skip.Exception:
        return None
    monkeypatch.setenv("CRM_KPI_PG_DSN", dsn)
    monkeypatch.setenv("CRM_KPI_PG_SCHEMA", PG_SCHEMA)
    return dsn


def test_run_publishes_snapshot_files_report_and_postgres(
    configured: AmoCrmEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    dsn = _postgres(monkeypatch)
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    serving = tmp_path / "serving"
    snapshot = serving / "crm_kpi.duckdb"
    assert snapshot.exists()
    with duckdb.connect(str(snapshot), read_only=True) as connection:
        (rows,) = connection.execute("select count(*) from mart_manager_monthly").fetchone()
        (account,) = connection.execute(
            "select distinct account_key from mart_manager_monthly"
        ).fetchone()
    assert rows > 0
    assert (serving / "files" / "current" / "parquet" / "mart_manager_monthly.parquet").exists()
    assert (serving / "files" / "current" / "csv" / "mart_manager_monthly.csv").exists()
    assert list((serving / "reports").glob("*.html"))
    # the summary says what was published where, per account
    assert "published:" in out and str(snapshot) in out
    assert f"account {account}" in out
    assert "HTML report:" in out
    log = (tmp_path / "data" / "logs" / "last_run.log").read_text()
    assert "the run succeeded" in log and "Dagster event log" in log
    if dsn is None:
        skip_or_fail("PostgreSQL 15 is not available: the published schema was not checked")
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(f"select count(*) from {PG_SCHEMA}.mart_manager_monthly")
        assert cursor.fetchone()[0] == rows
    assert f"schema {PG_SCHEMA}" in out
