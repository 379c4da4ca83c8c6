"""Services some tests need (PostgreSQL 15, Chromium): start them, or skip with a reason.

CI sets ``CRM_KPI_REQUIRE_SERVICES=1``: a missing service is then a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest


def require_services() -> bool:
    """CI sets CRM_KPI_REQUIRE_SERVICES=1: missing PostgreSQL or Chromium is then a failure."""
    return os.environ.get("CRM_KPI_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when services are required."""
    if require_services():
        pytest.fail(f"{reason} (CRM_KPI_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


PG_TEST_USER = "crm_kpi_serving_test"
PG_TEST_PASSWORD = "serving-test-password"
PG_TEST_DB = "crm_kpi_serving_test"


def _psql(statement: str, database: str = "postgres") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-d", database]
        + ["-Atc", statement],
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_postgres(database: str = PG_TEST_DB) -> str:
    """Start the machine's PostgreSQL 15 and make a fresh test ``database``; return its DSN.

    Skips (or fails, under CRM_KPI_REQUIRE_SERVICES=1) when PostgreSQL is not installed.
    """
    if not shutil.which("pg_ctlcluster") or not shutil.which("runuser"):
        skip_or_fail("PostgreSQL 15 is not installed (pg_ctlcluster not found)")
    status = subprocess.run(["pg_ctlcluster", "15", "main", "status"], capture_output=True)
    if status.returncode != 0:
        started = subprocess.run(
            ["pg_ctlcluster", "15", "main", "start"], capture_output=True, text=True
        )
        if started.returncode != 0 and "already running" not in started.stderr:
            skip_or_fail(f"PostgreSQL 15 could not be started: {started.stderr.strip()}")
    for _ in range(30):
        if _psql("select 1").returncode == 0:
            break
        time.sleep(0.5)
    else:
        skip_or_fail("PostgreSQL 15 does not accept connections")
    for statement in (
        f"drop database if exists {database} with (force)",
        f"do $$ begin if not exists (select 1 from pg_roles where rolname = '{PG_TEST_USER}') "
        f"then create role {PG_TEST_USER} login createrole password '{PG_TEST_PASSWORD}'; "
        "end if; end $$",
        f"create database {database} owner {PG_TEST_USER}",
    ):
        done = _psql(statement)
        if done.returncode != 0:
            pytest.fail(f"setting up the PostgreSQL test database failed: {done.stderr.strip()}")
    return (
        f"postgresql://{PG_TEST_USER}:{PG_TEST_PASSWORD}@127.0.0.1:5432/{database}"
        "?connect_timeout=10"
    )


def drop_role(role: str) -> None:
    """Remove a role the tests created (with its grants in the test database)."""
    if _psql(f"select 1 from pg_roles where rolname = '{role}'").stdout.strip():
        _psql(f"drop owned by {role}", database=PG_TEST_DB)
        _psql(f"drop role if exists {role}")
