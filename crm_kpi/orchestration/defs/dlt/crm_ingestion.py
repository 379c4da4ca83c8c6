"""dlt assets of every registered CRM: one asset per raw table, one partition per account.

``crm_raw_assets(plugin)`` is the one factory: the assets of ``plugin`` are keyed
``[<raw schema>, <table>]`` (the keys dagster-dbt gives the dbt sources) and partitioned by the
dynamic partitions ``<crm>_accounts``, one per configured account (``CrmAccount.partition_key``).
Each partition loads on its own (its own run, retried on its own; docs/accounts.md); on DuckDB
into the account's staging file, which ``accounts_merged`` merges into the warehouse before dbt.
"""

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    DynamicPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from crm_kpi.config import Settings
from crm_kpi.orchestration.defs.dlt.account_merge import merge_account_files
from crm_kpi.orchestration.defs.dlt.source_guard import guarded_load
from crm_kpi.sources.pipelines import (
    LOADER_FILE_FORMAT,
    account_file,
    account_pipeline,
    opened_account_file,
)
from crm_kpi.sources.registry import CrmAccount, CrmPlugin, registered_crms
from crm_kpi.warehouse import Warehouse

WAREHOUSE_POOL = "warehouse"
MERGED_KEY = AssetKey(["raw", "accounts_merged"])
logger = logging.getLogger("crm_kpi.orchestration")


class RawTableTranslator(DagsterDltTranslator):
    """Keys a dlt resource as ``[raw_<crm>, <table>]``, the key dagster-dbt gives the source."""

    def __init__(self, schema: str, deps: Sequence[AssetKey] = ()) -> None:
        self.schema = schema
        self.deps = list(deps)

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=AssetKey([self.schema, data.resource.name]),
            deps=self.deps,
            group_name=self.schema,
        )


def accounts_partitions(plugin: CrmPlugin) -> DynamicPartitionsDefinition:
    """The dynamic partitions of ``plugin``'s accounts (keys ``<crm>.<label>``)."""
    return DynamicPartitionsDefinition(name=f"{plugin.name}_accounts")


def ingestion_job_name(plugin: CrmPlugin) -> str:
    """The partitioned job that loads one account of ``plugin`` per run."""
    return f"{plugin.name}_ingestion"


class SourceNotConfigured(RuntimeError):
    """A CRM source was asked to run without its settings."""


def account_for(plugin: CrmPlugin, partition_key: str) -> CrmAccount:
    """The configured account of ``plugin`` behind ``partition_key``; a clear error otherwise."""
    missing = plugin.missing_settings()
    if missing:
        raise SourceNotConfigured(
            f"{plugin.name} is not configured: set {', '.join(missing)} "
            "(environment or .dlt/secrets.toml)"
        )
    for account in plugin.accounts():
        if account.partition_key == partition_key:
            return account
    known = ", ".join(a.partition_key for a in plugin.accounts())
    raise SourceNotConfigured(f"no configured account {partition_key!r} (configured: {known})")


def crm_raw_assets(plugin: CrmPlugin) -> AssetsDefinition:
    """The raw-table assets of ``plugin``, partitioned by account."""

    # The source given here only describes the resources (no HTTP); each run builds its own.
    @dlt_assets(
        dlt_source=plugin.source(),
        dlt_pipeline=account_pipeline(
            plugin, None, Warehouse(), Settings().accounts_dir, Settings().dlt_pipelines_dir
        ),
        name=f"{plugin.name}_raw",
        dagster_dlt_translator=RawTableTranslator(plugin.raw_schema),
        partitions_def=accounts_partitions(plugin),
    )
    def _load(
        context: AssetExecutionContext,
        dlt: DagsterDltResource,
        settings: Settings,
        warehouse: Warehouse,
    ) -> Iterator[Any]:
        account = account_for(plugin, context.partition_key)
        logger.info("loading %s account %s (dlt) ...", plugin.title, account.label)
        try:
            with opened_account_file(warehouse, settings.accounts_dir, account) as connection:
                pipeline = account_pipeline(
                    plugin,
                    account,
                    warehouse,
                    settings.accounts_dir,
                    settings.dlt_pipelines_dir,
                    connection,
                )
                yield from guarded_load(
                    context,
                    lambda: dlt.run(
                        context=context,
                        dlt_source=plugin.source(account),
                        dlt_pipeline=pipeline,
                        loader_file_format=LOADER_FILE_FORMAT,
                    ),
                )
        except Failure as failure:
            raise Failure(
                description=f"account {account.partition_key}: {failure.description}",
                metadata={**failure.metadata, "account": account.partition_key},
                allow_retries=failure.allow_retries,
            ) from failure

    _load.__doc__ = f"Load one {plugin.title} account into {plugin.raw_schema} (dlt, incremental)."
    return _load


def raw_check_deps(key: AssetKey) -> list[AssetKey]:
    """What a check of ``key`` waits for: the accounts' merge, for a CRM's raw table."""
    raw = {plugin.raw_schema for plugin in registered_crms()}
    return [MERGED_KEY] if key.path[0] in raw else []


def build_crm_raw_assets() -> list[AssetsDefinition]:
    """The raw-table assets of every registered CRM."""
    return [crm_raw_assets(plugin) for plugin in registered_crms()]


def accounts_merged_asset(raw_assets: Sequence[AssetsDefinition]) -> AssetsDefinition:
    """The single writer that merges the accounts' staging files into the raw schemas."""

    @asset(
        key=MERGED_KEY,
        deps=[key for assets_def in raw_assets for key in assets_def.keys],
        group_name="raw",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Merges every account's staging DuckDB file into the warehouse's raw "
        "schemas (the one writer; a no-op on PostgreSQL, where accounts load directly).",
    )
    def accounts_merged(settings: Settings, warehouse: Warehouse) -> MaterializeResult:
        if warehouse.kind != "duckdb":
            return MaterializeResult(
                metadata={"merged": False, "reason": "accounts load straight into the warehouse"}
            )
        tables: dict[str, int] = {}
        for plugin in registered_crms():
            files = [account_file(settings.accounts_dir, a) for a in plugin.accounts()]
            merged = merge_account_files(
                warehouse.duckdb_path, plugin.raw_schema, files, config=warehouse.duckdb_config
            )
            tables.update({f"{plugin.raw_schema}.{t}": rows for t, rows in merged.items()})
        return MaterializeResult(
            metadata={
                "merged": True,
                "tables": MetadataValue.json(tables),
                "rows": sum(tables.values()),
            }
        )

    return accounts_merged
