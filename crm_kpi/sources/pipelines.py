"""dlt pipelines that load one CRM account each (see docs/accounts.md for the design).

On DuckDB, which allows one writing process, every account loads into its own staging file
``<accounts_dir>/<partition key>.duckdb`` (its raw tables and its dlt state, incremental
cursors included), so accounts load in parallel; a single writer then merges the files into the
warehouse's raw schema (``crm_kpi.orchestration.defs.dlt.account_merge``). On PostgreSQL every
account loads straight into the warehouse's raw schema, each with its own dlt staging dataset,
so parallel merges of two accounts never share a staging table.
"""

from __future__ import annotations

import re
from pathlib import Path

import dlt

from crm_kpi.sources.registry import CrmAccount, CrmPlugin
from crm_kpi.warehouse import Warehouse

# parquet: the default insert_values format took 45 s and 6.7 GB for 100k rows here.
LOADER_FILE_FORMAT = "parquet"


def safe_name(key: str) -> str:
    """``amocrm.acme-1`` → ``amocrm_acme_1``: usable in file, pipeline and schema names."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", key).strip("_").lower()


def account_file(accounts_dir: Path, account: CrmAccount) -> Path:
    """The staging DuckDB file of ``account`` (DuckDB warehouses only)."""
    return accounts_dir / f"{safe_name(account.partition_key)}.duckdb"


def account_pipeline(
    plugin: CrmPlugin,
    account: CrmAccount | None,
    warehouse: Warehouse,
    accounts_dir: Path,
    pipelines_dir: Path,
) -> dlt.Pipeline:
    """The dlt pipeline that loads ``account`` of ``plugin`` into its raw schema.

    ``account=None`` gives the pipeline the Dagster asset definitions are described with
    (nothing is loaded through it).
    """
    key = account.partition_key if account is not None else plugin.name
    if warehouse.kind == "duckdb":
        path = (
            account_file(accounts_dir, account)
            if account is not None
            else accounts_dir / "_description.duckdb"
        )
        if account is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        destination = dlt.destinations.duckdb(str(path))
    else:
        destination = dlt.destinations.postgres(
            warehouse.url,
            staging_dataset_name_layout=f"%s_staging_{safe_name(key)}",
        )
    return dlt.pipeline(
        pipeline_name=f"crm_kpi_{safe_name(key)}",
        destination=destination,
        dataset_name=plugin.raw_schema,
        pipelines_dir=str(pipelines_dir),
    )
