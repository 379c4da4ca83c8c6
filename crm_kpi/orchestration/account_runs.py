"""The nightly batch: one run per account on the schedule's tick, then the transform.

The sensor ``crm_kpi_nightly`` (every minute) keeps each CRM's dynamic partitions equal to its
configured accounts, requests one ingestion run per account at each tick of
``CRM_KPI_SCHEDULE_CRON`` (tagged with the batch, so the run queue runs them in parallel up to
its limit), and once every account run of the batch has finished, successful or not, requests
the nightly job: the transform runs after the accounts that loaded, and a failed account (its
own run failed and alerted) does not hold the others back. A schedule cannot do this: one
schedule targets one job, and every CRM's ingestion job is partitioned differently.

A tick that comes while a batch is still going (its account runs outlast the cron interval,
or its transform is still running) does not drop that batch: the batch finishes first, and the
latest tick's batch starts once the transform run has finished (ticks missed meanwhile are
one batch, not a queue). So account loads never overlap the merge that reads their files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from dagster import (
    AddDynamicPartitionsRequest,
    DagsterRunStatus,
    DefaultSensorStatus,
    DeleteDynamicPartitionsRequest,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from dagster._utils.schedules import get_latest_completed_cron_tick

from crm_kpi.config import Settings
from crm_kpi.orchestration.defs.dlt.crm_ingestion import accounts_partitions, ingestion_job_name
from crm_kpi.orchestration.jobs import (
    BATCH_TAG,
    INGESTION_TAG,
    NIGHTLY_JOB_NAME,
    account_tags,
)
from crm_kpi.sources.registry import CrmAccount, registered_crms

NIGHTLY_SENSOR_NAME = "crm_kpi_nightly"
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


def _partition_requests(
    context: SensorEvaluationContext, accounts: dict[str, list[CrmAccount]]
) -> list[Any]:
    requests: list[Any] = []
    for plugin in registered_crms():
        name = accounts_partitions(plugin).name
        existing = set(context.instance.get_dynamic_partitions(name))
        wanted = {a.partition_key for a in accounts[plugin.name]}
        if wanted - existing:
            requests.append(AddDynamicPartitionsRequest(name, sorted(wanted - existing)))
        if existing - wanted:
            requests.append(DeleteDynamicPartitionsRequest(name, sorted(existing - wanted)))
    return requests


def account_run_requests(batch: str, accounts: Sequence[CrmAccount]) -> list[RunRequest]:
    """One ingestion run per account, tagged with the batch."""
    plugins = {p.name: p for p in registered_crms()}
    return [
        RunRequest(
            run_key=f"{batch}:{account.partition_key}",
            job_name=ingestion_job_name(plugins[account.crm]),
            partition_key=account.partition_key,
            tags={**account_tags(account), BATCH_TAG: batch},
        )
        for account in accounts
    ]


def batch_finished(context: SensorEvaluationContext, batch: str, expected: Sequence[str]) -> bool:
    """Has every account of ``batch`` a finished ingestion run (and none still queued)?"""
    runs = context.instance.get_runs(filters=RunsFilter(tags={BATCH_TAG: batch}))
    ingestion = [run for run in runs if INGESTION_TAG in run.tags]
    if any(run.status not in FINISHED for run in ingestion):
        return False
    done = {run.tags.get("dagster/partition") for run in ingestion}
    return set(expected) <= done


def transform_finished(context: SensorEvaluationContext, batch: str) -> bool:
    """Has the nightly-job run of ``batch`` finished (or is there none, e.g. deleted)?"""
    runs = context.instance.get_runs(
        filters=RunsFilter(job_name=NIGHTLY_JOB_NAME, tags={BATCH_TAG: batch})
    )
    return all(run.status in FINISHED for run in runs)


def _done(context: SensorEvaluationContext, cursor: dict[str, Any]) -> bool:
    """The cursor's batch is over: its transform was requested and its run has finished."""
    return bool(cursor.get("transformed")) and transform_finished(context, cursor["batch"])


def _transform_request(batch: str) -> RunRequest:
    return RunRequest(
        run_key=f"{batch}:transform", job_name=NIGHTLY_JOB_NAME, tags={BATCH_TAG: batch}
    )


def evaluate(
    context: SensorEvaluationContext, settings: Settings, now: dt.datetime
) -> SensorResult:
    """One evaluation of the nightly sensor (``now``: the evaluation time, for tests).

    The cursor holds the current batch (its tick), its accounts and whether its transform
    was requested; a new tick starts a batch only when the current one is done.
    """
    accounts = {p.name: list(p.accounts()) for p in registered_crms()}
    tick = get_latest_completed_cron_tick(settings.schedule_cron, now, settings.schedule_timezone)
    batch = tick.isoformat() if tick else ""
    cursor = json.loads(context.cursor) if context.cursor else {}
    requests: list[RunRequest] = []
    if not cursor:  # first evaluation: start from the next tick, not a past one
        cursor = {"batch": batch, "accounts": [], "transformed": True}
    elif batch and batch != cursor["batch"] and _done(context, cursor):
        everyone = [a for crm in accounts.values() for a in crm]
        requests += account_run_requests(batch, everyone)
        cursor = {"batch": batch, "accounts": [a.partition_key for a in everyone]}
    if not cursor.get("transformed") and batch_finished(
        context, cursor["batch"], cursor["accounts"]
    ):
        requests.append(_transform_request(cursor["batch"]))
        cursor["transformed"] = True  # its run exists from the next evaluation on
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=_partition_requests(context, accounts),
        cursor=json.dumps(cursor),
    )


def build_nightly_sensor(jobs: Sequence[Any]) -> SensorDefinition:
    """The nightly sensor, able to request runs of ``jobs`` (ingestion jobs and the nightly)."""

    @sensor(
        name=NIGHTLY_SENSOR_NAME,
        jobs=list(jobs),
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="At each CRM_KPI_SCHEDULE_CRON tick: one ingestion run per configured "
        "account (parallel, one per account at a time), then the nightly transform and publish "
        "once they have all finished. Keeps the accounts' dynamic partitions up to date.",
    )
    def crm_kpi_nightly(context: SensorEvaluationContext, settings: Settings) -> SensorResult:
        return evaluate(context, settings, dt.datetime.now(dt.UTC))

    return crm_kpi_nightly
