"""The production ingestion job of one CRM, built around a test's source or settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from dagster import DagsterInstance, Definitions, ExecuteInProcessResult, JobDefinition

from crm_kpi.config import OrchestrationSettings
from crm_kpi.orchestration.defs.dlt.crm_ingestion import (
    accounts_partitions,
    crm_raw_assets,
    ingestion_job_name,
)
from crm_kpi.orchestration.jobs import account_tags, build_ingestion_job
from crm_kpi.orchestration.resources import build_resources
from crm_kpi.sources.registry import CrmAccount, CrmPlugin, crm


def ingestion_job(
    name: str = "amocrm",
    source: Callable[..., Any] | None = None,
    settings: OrchestrationSettings | None = None,
) -> tuple[JobDefinition, CrmPlugin]:
    """``name``'s ingestion job (retries and all), optionally with another source factory."""
    plugin = crm(name)
    if source is not None:
        plugin = dataclasses.replace(plugin, source=source)
    assets = crm_raw_assets(plugin)
    job = build_ingestion_job(plugin, assets, settings or OrchestrationSettings())
    defs = Definitions(assets=[assets], jobs=[job], resources=build_resources())
    return defs.resolve_job_def(ingestion_job_name(plugin)), plugin


def only_account(plugin: CrmPlugin) -> CrmAccount:
    """The one configured account of ``plugin``."""
    [account] = plugin.accounts()
    return account


def load_account(
    job: JobDefinition, account: CrmAccount, instance: DagsterInstance
) -> ExecuteInProcessResult:
    """Run ``job`` for ``account`` (its partition) in this process."""
    instance.add_dynamic_partitions(
        accounts_partitions(crm(account.crm)).name, [account.partition_key]
    )
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        partition_key=account.partition_key,
        tags=account_tags(account),
    )
