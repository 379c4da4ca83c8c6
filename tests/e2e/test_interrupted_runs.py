"""A run killed (SIGKILL) during ingestion, dbt or publish recovers exactly on the next run.

`crm-kpi run` runs as a child process group against one emulated amoCRM account; the test
waits for a stage's progress line in the run log, kills the whole group (dbt included), runs
again to the end, and compares every mart with an uninterrupted run's on the same data. The
marts may depend on the data horizon (the last load's time) only through its local date, so
both runs must fall on one day of the account's zone; the columns that hold the horizon's
exact time are left out of the comparison.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from crm_kpi_emulators.amocrm import AmoCrmEmulator
from crm_kpi_emulators.synthetic import CompanyConfig

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3000)]

TOKEN = "interrupted-run-token"
COMPANY = CompanyConfig(seed=5, start_date=dt.date(2026, 6, 1), days=45, managers=3, teams=1)
# A line the run log shows while the stage is under way (crm_kpi progress loggers).
STAGE_MARKERS = {
    "ingestion": "amocrm events [",
    "dbt": "building staging, core and marts",
    "publish": "publishing the marts to",
}
# Columns holding the exact time of the data horizon (the last load), not data.
HORIZON_TIME_COLUMNS = {"trained_at", "data_horizon_at", "as_of_at", "published_at"}
CRM_KPI = Path(sys.executable).with_name("crm-kpi")


@pytest.fixture(scope="module")
def emulator() -> Iterator[AmoCrmEmulator]:
    """One emulated account, the same data for every run of the module."""
    with AmoCrmEmulator(COMPANY, token=TOKEN, host="127.0.0.1", port=0) as served:
        yield served


def _environment(emulator: AmoCrmEmulator, root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SOURCES__")}
    env.pop("DAGSTER_HOME", None)
    env.update(
        SOURCES__AMOCRM__SUBDOMAIN=emulator.subdomain,
        SOURCES__AMOCRM__BASE_URL=emulator.base_url,
        SOURCES__AMOCRM__ACCESS_TOKEN=TOKEN,
        SOURCES__AMOCRM__REQUESTS_PER_SECOND="200",
        CRM_KPI_WAREHOUSE=str(root / "warehouse" / "crm_kpi.duckdb"),
        CRM_KPI_DATA_DIR=str(root / "data"),
        CRM_KPI_SERVING_DIR=str(root / "serving"),
        CRM_KPI_DBT_TARGET_PATH=str(root / "dbt_target"),
    )
    return env


def _run(env: dict[str, str], kill_at: str | None = None) -> int | None:
    """Run `crm-kpi run`; with ``kill_at``, SIGKILL its process group once the stage began.

    Returns the exit code, or None when the run was killed.
    """
    log = Path(env["CRM_KPI_DATA_DIR"]) / "logs" / "last_run.log"
    log.unlink(missing_ok=True)
    with subprocess.Popen(
        [str(CRM_KPI), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as process:
        if kill_at is None:
            return process.wait(timeout=1500)
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline and process.poll() is None:
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            if STAGE_MARKERS[kill_at] in text:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=60)
                return None
            time.sleep(0.05)
        pytest.fail(f"the run never reached {kill_at!r} (exit code {process.poll()}); see {log}")
    return None


def _marts(env: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Every table of the warehouse's ``marts`` schema, rows sorted, horizon times dropped."""
    with duckdb.connect(env["CRM_KPI_WAREHOUSE"], read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        marts = {}
        for name in sorted(names):
            frame = connection.execute(f'select * from marts."{name}"').df()
            frame = frame.drop(columns=[c for c in frame.columns if c in HORIZON_TIME_COLUMNS])
            marts[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return marts


def _leftovers(env: dict[str, str]) -> list[str]:
    serving = Path(env["CRM_KPI_SERVING_DIR"])
    return sorted(
        str(path.relative_to(serving))
        for path in serving.rglob("*")
        if path.name.endswith((".tmp", ".wal")) or ".tmp" in path.name
    )


def test_killed_runs_rerun_to_the_same_marts_and_leave_nothing_behind(
    emulator: AmoCrmEmulator, tmp_path: Path
) -> None:
    reference_env = _environment(emulator, tmp_path / "reference")
    assert _run(reference_env) == 0
    reference = _marts(reference_env)
    assert not reference["mart_manager_monthly"].empty and not reference["mart_funnel_stages"].empty

    env = _environment(emulator, tmp_path / "interrupted")
    for stage in ("ingestion", "dbt", "publish"):
        assert _run(env, kill_at=stage) is None
        assert _run(env) == 0, f"the rerun after a kill during {stage} failed"
        rerun = _marts(env)
        assert sorted(rerun) == sorted(reference), stage
        for name, frame in reference.items():
            pd.testing.assert_frame_equal(
                rerun[name], frame, check_dtype=False, obj=f"{name} after a kill in {stage}"
            )
        assert _leftovers(env) == [], f"leftovers after a kill during {stage}"
