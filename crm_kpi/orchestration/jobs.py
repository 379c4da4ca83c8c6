"""Jobs: one partitioned ingestion job per CRM, the nightly (transform and publish) job, the full
refresh; their retries and run tags.

Concurrency (``dagster.yaml``), in three layers:
- one run per account: an account's run carries ``crm_kpi/account = <crm>.<label>`` (its
  partition key), limited to one run per unique value, so two runs never hammer one API; the
  tag is the same for every CRM, so a new CRM needs no line in ``dagster.yaml``;
- at most N account runs at once: every ingestion run carries ``crm_kpi/ingestion = <crm>``, and
  the run queue limits that key (the "Several accounts" limit, docs/accounts.md);
- one writer per DuckDB warehouse: every step that writes the warehouse (the account merge,
  dbt, the checks, publishing) sits in the ``warehouse`` pool (limit 1); account loads write
  their own staging files and run in parallel.

Retries: ingestion steps are retried with exponential backoff (``CRM_KPI_RETRY_MAX``,
``CRM_KPI_RETRY_DELAY_SECONDS``) on top of dlt's own HTTP retries, each account on its own. The
dbt build opts out (``RetryPolicy`` on the dbt assets): its failures are deterministic. Whole
runs that died are retried by the daemon (``run_retries`` in ``dagster.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetsDefinition,
    AssetSelection,
    Backoff,
    Jitter,
    RetryPolicy,
    define_asset_job,
    in_process_executor,
)

from crm_kpi.config import OrchestrationSettings
from crm_kpi.orchestration.defs.dlt.crm_ingestion import ingestion_job_name
from crm_kpi.sources.registry import CrmAccount, CrmPlugin

NIGHTLY_JOB_NAME = "crm_kpi_nightly"
FULL_REFRESH_JOB_NAME = "crm_kpi_full_refresh"
DBT_OP_NAME = "crm_kpi_dbt"
ACCOUNT_TAG = "crm_kpi/account"
INGESTION_TAG = "crm_kpi/ingestion"
BATCH_TAG = "crm_kpi/batch"


def ingestion_retry_policy(settings: OrchestrationSettings) -> RetryPolicy:
    """Exponential backoff with jitter: 30 s, 60 s, 120 s by default."""
    return RetryPolicy(
        max_retries=settings.retry_max,
        delay=settings.retry_delay_seconds,
        backoff=Backoff.EXPONENTIAL,
        jitter=Jitter.PLUS_MINUS,
    )


def account_tags(account: CrmAccount) -> dict[str, str]:
    """The run tags of one account's ingestion run."""
    return {ACCOUNT_TAG: account.partition_key, INGESTION_TAG: account.crm}


def build_ingestion_job(
    plugin: CrmPlugin, raw_assets: AssetsDefinition, settings: OrchestrationSettings
) -> Any:
    """The job that loads one account (a partition) of ``plugin`` per run."""
    return define_asset_job(
        ingestion_job_name(plugin),
        # Not the raw tables' checks: on DuckDB this run writes the account's staging file, not
        # the warehouse they read; they run in the nightly job, after the merge.
        selection=AssetSelection.assets(raw_assets).without_checks(),
        description=f"Load one {plugin.title} account (a partition) into {plugin.raw_schema}.",
        tags={INGESTION_TAG: plugin.name},
        op_retry_policy=ingestion_retry_policy(settings),
    )


def build_nightly_job(
    raw_assets: Sequence[AssetsDefinition],
    settings: OrchestrationSettings,
    name: str = NIGHTLY_JOB_NAME,
    full_refresh: bool = False,
) -> Any:
    """Every asset but the accounts' loads: merge, inputs, dbt, checks, publish."""
    return define_asset_job(
        name,
        # the raw tables' checks run here, after the merge (their assets load per account)
        selection=AssetSelection.all() - AssetSelection.assets(*raw_assets)
        | AssetSelection.checks_for_assets(*raw_assets),
        description=(
            "The nightly job with `dbt build --full-refresh`: every table rebuilt from raw."
            if full_refresh
            else "Merge the accounts that loaded, build the warehouse, validate the marts, "
            "publish (the accounts load in their own runs first)."
        ),
        op_retry_policy=ingestion_retry_policy(settings),
        # Its steps take the warehouse one at a time (pool `warehouse`): a process per step
        # would only add a start-up and a load of the definitions to each of them.
        executor_def=in_process_executor,
        config={"ops": {DBT_OP_NAME: {"config": {"full_refresh": True}}}} if full_refresh else None,
    )


def build_jobs(
    plugins: Sequence[CrmPlugin],
    raw_assets: Sequence[AssetsDefinition],
    settings: OrchestrationSettings,
) -> list[Any]:
    """The ingestion job of every CRM, the nightly job and the full refresh."""
    return [
        *(build_ingestion_job(p, a, settings) for p, a in zip(plugins, raw_assets, strict=True)),
        build_nightly_job(raw_assets, settings),
        build_nightly_job(raw_assets, settings, FULL_REFRESH_JOB_NAME, full_refresh=True),
    ]
