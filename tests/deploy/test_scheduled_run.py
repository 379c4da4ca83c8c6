"""Acceptance (issue 15): the compose topology against PostgreSQL runs the nightly schedule.

The processes of deploy/compose.yaml, started directly on this machine: the code location as a
gRPC server (`code`), `dagster-webserver` and `dagster-daemon` on deploy/workspace.yaml, with the
instance of deploy/dagster.yaml on the machine's PostgreSQL 15 (own database). Emulated amoCRM
and Bitrix24 accounts serve the demo company. The schedule's cron (CRM_KPI_SCHEDULE_CRON) fires
every minute; after its first run is created the schedule is stopped through the GraphQL API,
and that run must succeed and publish the snapshot.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dagster_topology import (
    BIN,
    GraphQL,
    code_server_command,
    free_port,
    local_workspace,
    log_tail,
    started,
    wait_until_serving,
)

from crm_kpi.config import MARKETING_SPEND_ENV, PROJECT_ROOT, SALES_PLAN_ENV

DEPLOY = PROJECT_ROOT / "deploy"
MODULE = "crm_kpi.orchestration.definitions"
SCHEDULE = "crm_kpi_nightly_schedule"
TOKEN = "deploy-test-token"
# Loading the code location parses the dbt project. The run takes minutes on an idle machine;
# on a loaded one each step's process alone needs minutes to import the definitions.
LOAD_TIMEOUT = 900
RUN_TIMEOUT = 3600

LOCATION_QUERY = """
{
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
}
"""
DAEMON_QUERY = """
{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }
"""
RUNS_QUERY = """
query ($schedule: String!) {
  runsOrError(filter: {tags: [{key: "dagster/schedule_name", value: $schedule}]}) {
    __typename
    ... on Runs { results { runId status } }
    ... on PythonError { message }
  }
}
"""
SCHEDULE_QUERY = """
query ($location: String!, $schedule: String!) {
  scheduleOrError(scheduleSelector: {repositoryLocationName: $location,
      repositoryName: "__repository__", scheduleName: $schedule}) {
    __typename
    ... on Schedule { cronSchedule scheduleState { id status } }
    ... on PythonError { message }
  }
}
"""
STOP_SCHEDULE = """
mutation ($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _location_loaded(data: dict) -> bool:
    entries = data["workspaceOrError"].get("locationEntries") or []
    return any(e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in entries)


def _daemons_healthy(data: dict) -> bool:
    """The scheduler and the run queue, the two daemons this test needs, heartbeat."""
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {status["daemonType"] for status in statuses if status["healthy"]}
    return {"SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy


def _scheduled_runs(data: dict) -> list[dict]:
    runs = data["runsOrError"]
    assert runs["__typename"] == "Runs", runs
    return runs["results"]


@pytest.fixture
def demo_company(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Emulated amoCRM and Bitrix24 accounts serving the demo company; their settings as env."""
    from crm_kpi_emulators.amocrm import AmoCrmEmulator
    from crm_kpi_emulators.bitrix24 import Bitrix24Emulator
    from crm_kpi_emulators.demo import DEMO_DAYS
    from crm_kpi_emulators.synthetic import CompanyConfig
    from crm_kpi_emulators.synthetic.inputs import write_input_files

    today = dt.date.today()
    config = CompanyConfig(seed=42, start_date=today - dt.timedelta(days=DEMO_DAYS), days=DEMO_DAYS)
    with (
        AmoCrmEmulator(config, token=TOKEN, host="127.0.0.1", port=0) as amocrm,
        Bitrix24Emulator(config, host="127.0.0.1", port=0) as bitrix24,
    ):
        inputs = write_input_files(config, tmp_path / "data" / "inputs", bitrix24.portal)
        yield {
            "SOURCES__AMOCRM__SUBDOMAIN": amocrm.subdomain,
            "SOURCES__AMOCRM__BASE_URL": amocrm.base_url,
            "SOURCES__AMOCRM__ACCESS_TOKEN": TOKEN,
            "SOURCES__AMOCRM__REQUESTS_PER_SECOND": "50",
            "SOURCES__BITRIX24__PORTAL": bitrix24.portal,
            "SOURCES__BITRIX24__WEBHOOK_URL": bitrix24.webhook_url,
            SALES_PLAN_ENV: str(inputs.sales_plan),
            MARKETING_SPEND_ENV: str(inputs.marketing_spend),
        }


@pytest.mark.slow
@pytest.mark.timeout(LOAD_TIMEOUT * 2 + RUN_TIMEOUT + 300)
def test_scheduled_run_succeeds_and_publishes_on_postgres_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_company: dict[str, str]
) -> None:
    from dagster import DagsterInstance, DagsterRunStatus
    from psycopg.conninfo import conninfo_to_dict
    from service_helpers import start_postgres

    pg = conninfo_to_dict(start_postgres("crm_kpi_deploy_test"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
    data = tmp_path / "data"
    settings = {
        "DAGSTER_HOME": str(home),
        "CRM_KPI_DAGSTER_PG_HOST": str(pg["host"]),
        "CRM_KPI_DAGSTER_PG_DB": str(pg["dbname"]),
        "CRM_KPI_DAGSTER_PG_USER": str(pg["user"]),
        "CRM_KPI_DAGSTER_PG_PASSWORD": str(pg["password"]),
        "CRM_KPI_DATA_DIR": str(data),
        "CRM_KPI_WAREHOUSE": str(tmp_path / "warehouse" / "crm_kpi.duckdb"),
        # A dbt target folder of its own: the code server parses the project into it.
        "CRM_KPI_DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        "CRM_KPI_SCHEDULE_CRON": "* * * * *",
        "CRM_KPI_SCHEDULE_TIMEZONE": "UTC",
        **demo_company,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    env = dict(os.environ)
    logs = tmp_path / "logs"
    code_port, web_port = free_port(), free_port()
    location = local_workspace(DEPLOY / "workspace.yaml", code_port, tmp_path / "workspace.yaml")
    workspace = str(tmp_path / "workspace.yaml")
    api = GraphQL(web_port)

    commands = {
        "code": code_server_command(code_port, MODULE, location),
        "webserver": [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port)]
        + ["-w", workspace],
        "daemon": [str(BIN / "dagster-daemon"), "run", "-w", workspace],
    }

    with started("code", commands["code"], env, tmp_path, logs) as code:
        # As in compose: webserver and daemon start once `code` passes its health check.
        wait_until_serving(code_port, LOAD_TIMEOUT, code, logs)
        with (
            started("webserver", commands["webserver"], env, tmp_path, logs) as webserver,
            started("daemon", commands["daemon"], env, tmp_path, logs) as daemon,
        ):
            watched = [code, webserver, daemon]
            api.wait_for(LOCATION_QUERY, _location_loaded, LOAD_TIMEOUT, watched, logs)
            schedule = api.query(SCHEDULE_QUERY, location=location, schedule=SCHEDULE)
            schedule = schedule["scheduleOrError"]
            assert schedule["__typename"] == "Schedule", schedule
            assert schedule["cronSchedule"] == "* * * * *"  # from CRM_KPI_SCHEDULE_CRON
            api.wait_for(DAEMON_QUERY, _daemons_healthy, LOAD_TIMEOUT, watched, logs)
            # The scheduler ticks on the next minute; one run is enough, so stop it then.
            first = api.wait_for(
                RUNS_QUERY,
                lambda d: bool(_scheduled_runs(d)),
                300,
                watched,
                logs,
                schedule=SCHEDULE,
            )
            stopped = api.query(STOP_SCHEDULE, id=schedule["scheduleState"]["id"])
            assert stopped["stopRunningSchedule"]["__typename"] == "ScheduleStateResult", stopped
            run_id = _scheduled_runs(first)[-1]["runId"]  # newest first: the oldest is the first

            def finished(data: dict) -> bool:
                statuses = {r["runId"]: r["status"] for r in _scheduled_runs(data)}
                return statuses.get(run_id) in FINISHED

            api.wait_for(RUNS_QUERY, finished, RUN_TIMEOUT, watched, logs, schedule=SCHEDULE)

    # The run, its tags and its events are in PostgreSQL, the instance the deployment uses.
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.tags.get("dagster/schedule_name") == SCHEDULE
        assert run.status == DagsterRunStatus.SUCCESS, "\n".join(
            [f"run {run_id} ended {run.status}"] + [log_tail(p) for p in sorted(logs.glob("*"))]
        )
        from dagster import AssetKey

        published = instance.get_latest_materialization_event(
            AssetKey(["serving", "published_snapshot"])
        )
        assert published is not None and published.run_id == run_id
    # ... and the snapshot BI reads was written, with the marts in it.
    snapshot = data / "serving" / "crm_kpi.duckdb"
    assert snapshot.exists(), sorted(str(p) for p in (data / "serving").rglob("*"))[:50]
    with duckdb.connect(str(snapshot), read_only=True) as con:
        tables = {
            name: con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    assert tables.get("mart_manager_monthly", 0) > 0, tables
    assert tables.get("mart_manager_daily", 0) > 0, tables
