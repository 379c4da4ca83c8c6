"""Acceptance (issue 15): the compose topology against PostgreSQL runs the nightly batch.

The processes of deploy/compose.yaml, started directly on this machine: the code location as a
gRPC server (`code`), `dagster-webserver` and `dagster-daemon` on deploy/workspace.yaml, with the
instance of deploy/dagster.yaml on the machine's PostgreSQL 15 (own database). Emulated amoCRM
and Bitrix24 accounts (one per CRM with an emulator) serve the demo company. The nightly sensor
(`crm_kpi_nightly`, running by default) requests one ingestion run per account at a tick of
CRM_KPI_SCHEDULE_CRON, then, once they have finished, the nightly job run; when that run exists
the sensor is stopped through the GraphQL API. The account runs and the nightly run must
succeed, and the nightly run must publish the snapshot.
"""

from __future__ import annotations

import contextlib
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
from crm_kpi.sources.registry import registered_crms

DEPLOY = PROJECT_ROOT / "deploy"
MODULE = "crm_kpi.orchestration.definitions"
SENSOR = "crm_kpi_nightly"  # crm_kpi/orchestration/account_runs.py
NIGHTLY_JOB = "crm_kpi_nightly"  # crm_kpi/orchestration/jobs.py
TOKEN = "deploy-test-token"
# Loading the code location parses the dbt project. The runs take minutes on an idle machine;
# on a loaded one each run's process alone needs minutes to import the definitions.
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
query ($sensor: String!) {
  runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: $sensor}]}) {
    __typename
    ... on Runs { results { runId jobName status tags { key value } } }
    ... on PythonError { message }
  }
}
"""
SENSOR_QUERY = """
query ($location: String!, $sensor: String!) {
  sensorOrError(sensorSelector: {repositoryLocationName: $location,
      repositoryName: "__repository__", sensorName: $sensor}) {
    __typename
    ... on Sensor { defaultStatus minIntervalSeconds sensorState { id status } }
    ... on PythonError { message }
  }
}
"""
STOP_SENSOR = """
mutation ($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _cron_soon(now: dt.datetime, first_in: int = 6, every: int = 15) -> str:
    """Ticks every ``every`` minutes (UTC), the first ``first_in`` minutes from ``now``.

    The first tick must come after the sensor's first evaluation (which only notes the last
    tick), i.e. after the code location has loaded; a later tick is the fallback. Ticks are far
    apart because a tick while a batch's account runs are still going starts a new batch.
    """
    first = (now.minute + first_in) % 60
    minutes = sorted({(first + every * i) % 60 for i in range(60 // every)})
    return f"{','.join(map(str, minutes))} * * * *"


def _location_loaded(data: dict) -> bool:
    entries = data["workspaceOrError"].get("locationEntries") or []
    return any(e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in entries)


def _daemons_healthy(data: dict) -> bool:
    """The sensor daemon and the run queue, the two daemons this test needs, heartbeat."""
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    healthy = {status["daemonType"] for status in statuses if status["healthy"]}
    return {"SENSOR", "QUEUED_RUN_COORDINATOR"} <= healthy


def _sensor_runs(data: dict) -> list[dict]:
    """The runs the nightly sensor requested, newest first."""
    runs = data["runsOrError"]
    assert runs["__typename"] == "Runs", runs
    return runs["results"]


def _nightly_runs(data: dict) -> list[dict]:
    return [run for run in _sensor_runs(data) if run["jobName"] == NIGHTLY_JOB]


@pytest.fixture
def demo_company(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The demo company served by the emulator of every registered CRM (one account each, as
    ``crm-kpi demo`` serves it); their settings and the input files as env."""
    from crm_kpi_emulators.demo import DEMO_DAYS
    from crm_kpi_emulators.registry import emulated_crms
    from crm_kpi_emulators.synthetic import CompanyConfig
    from crm_kpi_emulators.synthetic.inputs import write_input_files

    today = dt.date.today()
    config = CompanyConfig(seed=42, start_date=today - dt.timedelta(days=DEMO_DAYS), days=DEMO_DAYS)
    with contextlib.ExitStack() as stack:
        served = [
            stack.enter_context(emulator.running(config, TOKEN)) for _, emulator in emulated_crms()
        ]
        plan = [(account.account_key, account.plan_by_email) for account in served]
        inputs = write_input_files(config, tmp_path / "data" / "inputs", plan)
        yield {
            **{name: value for account in served for name, value in account.settings.items()},
            SALES_PLAN_ENV: str(inputs.sales_plan),
            MARKETING_SPEND_ENV: str(inputs.marketing_spend),
        }


@pytest.mark.slow
@pytest.mark.timeout(LOAD_TIMEOUT * 2 + RUN_TIMEOUT * 2 + 300)
def test_nightly_batch_succeeds_and_publishes_on_postgres_storage(
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
        "CRM_KPI_SCHEDULE_CRON": _cron_soon(dt.datetime.now(dt.UTC)),
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
            sensor = api.query(SENSOR_QUERY, location=location, sensor=SENSOR)["sensorOrError"]
            assert sensor["__typename"] == "Sensor", sensor
            # Running from the start: nobody has to switch it on in the UI.
            assert sensor["defaultStatus"] == "RUNNING", sensor
            assert sensor["sensorState"]["status"] == "RUNNING", sensor
            api.wait_for(DAEMON_QUERY, _daemons_healthy, LOAD_TIMEOUT, watched, logs)
            # The first evaluation notes the last tick; at the next one the accounts load, and
            # once they have finished the sensor requests the nightly run: then stop it.
            first = api.wait_for(
                RUNS_QUERY,
                lambda d: bool(_nightly_runs(d)),
                RUN_TIMEOUT,
                watched,
                logs,
                sensor=SENSOR,
            )
            stopped = api.query(STOP_SENSOR, id=sensor["sensorState"]["id"])["stopSensor"]
            assert stopped["__typename"] == "StopSensorMutationResult", stopped
            assert stopped["instigationState"]["status"] == "STOPPED", stopped
            run_id = _nightly_runs(first)[-1]["runId"]  # newest first: the oldest is the first

            def finished(data: dict) -> bool:
                statuses = {r["runId"]: r["status"] for r in _sensor_runs(data)}
                return statuses.get(run_id) in FINISHED

            final = api.wait_for(RUNS_QUERY, finished, RUN_TIMEOUT, watched, logs, sensor=SENSOR)

    # One run per configured account, all of the batch, before the nightly run; all succeeded.
    runs = _sensor_runs(final)
    nightly_tags = {t["key"]: t["value"] for t in _nightly_runs(final)[-1]["tags"]}
    batch = nightly_tags["crm_kpi/batch"]
    accounts = {}
    for run in runs:
        tags = {t["key"]: t["value"] for t in run["tags"]}
        if tags.get("crm_kpi/batch") == batch and "crm_kpi/account" in tags:
            accounts[tags["crm_kpi/account"]] = run["status"]
    configured = {a.partition_key for p in registered_crms() for a in p.accounts()}
    assert len(configured) >= 2, configured  # one emulated account per CRM (amoCRM, Bitrix24)
    assert accounts == dict.fromkeys(configured, "SUCCESS"), accounts

    # The run, its tags and its events are in PostgreSQL, the instance the deployment uses.
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.tags.get("dagster/sensor_name") == SENSOR
        assert run.job_name == NIGHTLY_JOB
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
