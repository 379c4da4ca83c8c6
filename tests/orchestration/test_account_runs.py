"""The nightly batch: one run per account on each tick, then the transform; the DuckDB merge."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, build_sensor_context
from test_registry_definitions import DUMMY

import crm_kpi.orchestration.account_runs as account_runs
from crm_kpi.config import Settings
from crm_kpi.orchestration.defs.dlt.account_merge import merge_account_files
from crm_kpi.sources.registry import register, unregister

NOW = dt.datetime(2026, 7, 1, 2, 30, tzinfo=dt.UTC)  # after the 02:00 UTC tick
EVERY_NIGHT = Settings(schedule_cron="0 2 * * *", schedule_timezone="UTC")


@pytest.fixture
def dummy_crm() -> Iterator[None]:
    register(DUMMY)
    yield
    unregister(DUMMY.name)


def _evaluate(instance: DagsterInstance, cursor: dict | None, now: dt.datetime = NOW):
    context = build_sensor_context(instance=instance, cursor=json.dumps(cursor) if cursor else None)
    return account_runs.evaluate(context, EVERY_NIGHT, now)


def _start(instance: DagsterInstance, request) -> DagsterRun:
    """A started run of ``request`` (what the daemon makes of it), in ``instance``."""
    tags = dict(request.tags)
    if request.partition_key:
        tags["dagster/partition"] = request.partition_key
    run = DagsterRun(job_name=request.job_name, tags=tags, status=DagsterRunStatus.STARTED)
    return instance.add_run(run)


def test_the_first_evaluation_waits_for_the_next_tick(dummy_crm: None) -> None:
    with DagsterInstance.ephemeral() as instance:
        result = _evaluate(instance, None)
    assert result.run_requests == []
    assert json.loads(result.cursor)["batch"].startswith("2026-07-01T02:00")
    [added] = result.dynamic_partitions_requests
    assert added.partitions_def_name == "dummy_accounts" and added.partition_keys == ["dummy.one"]


def test_a_tick_requests_one_run_per_account_then_the_transform(
    dummy_crm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    yesterday = {"batch": "2026-06-30T02:00:00+00:00", "accounts": [], "transformed": True}
    with DagsterInstance.ephemeral() as instance:
        result = _evaluate(instance, yesterday)
        [run] = result.run_requests  # the one dummy account; the transform waits
        assert run.job_name == "dummy_ingestion" and run.partition_key == "dummy.one"
        assert run.tags["crm_kpi/account"] == "dummy.one"
        cursor = json.loads(result.cursor)
        assert cursor["accounts"] == ["dummy.one"] and not cursor.get("transformed")
        # still running: nothing new
        assert _evaluate(instance, cursor).run_requests == []
        # every account run finished (one may have failed): the transform is requested, once
        monkeypatch.setattr(account_runs, "batch_finished", lambda *args: True)
        result = _evaluate(instance, cursor)
    [transform] = result.run_requests
    assert transform.job_name == "crm_kpi_nightly"
    assert transform.tags["crm_kpi/batch"] == cursor["batch"]
    assert json.loads(result.cursor)["transformed"]


def _staged(path: Path, rows: str, columns: str) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw_dummy")
        connection.execute(
            f"create table raw_dummy.things as select * from (values {rows}) t({columns})"
        )
    return path


def test_the_merge_unions_the_accounts_files_by_column_name(tmp_path: Path) -> None:
    one = _staged(tmp_path / "one.duckdb", "(1, 'a')", "id, account")
    two = _staged(tmp_path / "two.duckdb", "(2, 'b', 5)", "id, account, extra")
    warehouse = tmp_path / "warehouse.duckdb"
    assert merge_account_files(warehouse, "raw_dummy", [one, two, tmp_path / "gone.duckdb"]) == {
        "things": 2
    }
    # idempotent: merging again gives the same table
    merge_account_files(warehouse, "raw_dummy", [one, two])
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select id, account, extra from raw_dummy.things order by id"
        ).fetchall()
    assert rows == [(1, "a", None), (2, "b", 5)]


def test_a_tick_during_a_long_batch_carries_it_over_instead_of_dropping_it(
    dummy_crm: None,
) -> None:
    """The account runs outlast the cron interval: the pending batch still gets its transform,
    and the next batch (the latest tick) starts only after that transform run has finished."""
    yesterday = {"batch": "2026-06-30T02:00:00+00:00", "accounts": [], "transformed": True}
    tomorrow = NOW + dt.timedelta(days=1)  # the 2026-07-02 02:00 tick has passed
    with DagsterInstance.ephemeral() as instance:
        result = _evaluate(instance, yesterday)
        [load] = result.run_requests
        load_run = _start(instance, load)
        cursor = json.loads(result.cursor)
        # the next tick, the account still loading: no new batch, the pending one is kept
        result = _evaluate(instance, cursor, tomorrow)
        assert result.run_requests == []
        assert json.loads(result.cursor) == cursor
        # the account finished: the pending batch's transform, not a new batch
        instance.report_run_failed(load_run)  # finished (a failed account does not hold it)
        result = _evaluate(instance, cursor, tomorrow)
        [transform] = result.run_requests
        assert transform.job_name == "crm_kpi_nightly"
        assert transform.tags["crm_kpi/batch"] == cursor["batch"]
        transform_run = _start(instance, transform)
        cursor = json.loads(result.cursor)
        # the transform still runs: the accounts of the next batch wait for it
        assert _evaluate(instance, cursor, tomorrow).run_requests == []
        instance.report_run_canceled(transform_run)
        result = _evaluate(instance, cursor, tomorrow)
    [next_load] = result.run_requests
    assert next_load.job_name == "dummy_ingestion"
    assert next_load.tags["crm_kpi/batch"].startswith("2026-07-02T02:00")
    assert json.loads(result.cursor)["batch"] == next_load.tags["crm_kpi/batch"]
