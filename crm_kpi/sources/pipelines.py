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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def opened_account_file(
    warehouse: Warehouse, accounts_dir: Path, account: CrmAccount
) -> Iterator[Any]:
    """The account's staging DuckDB file, open for the block (``None`` on PostgreSQL).

    dlt opens its DuckDB destination per load job and closes it when no job holds it, so a
    load opened the file dozens of times (~30 ms each, more as the file grows: 1.6 -> 0.6 s
    of a Bitrix24 load's 25 tables). Given an open connection, dlt borrows cursors of it and
    leaves it open (dlt's documented way to pass a DuckDB connection); it is closed here.
    """
    if warehouse.kind != "duckdb":
        yield None
        return
    import duckdb

    path = account_file(accounts_dir, account)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path))
    try:
        yield connection
    finally:
        connection.close()


def account_pipeline(
    plugin: CrmPlugin,
    account: CrmAccount | None,
    warehouse: Warehouse,
    accounts_dir: Path,
    pipelines_dir: Path,
    connection: Any = None,
) -> dlt.Pipeline:
    """The dlt pipeline that loads ``account`` of ``plugin`` into its raw schema.

    ``account=None`` gives the pipeline the Dagster asset definitions are described with
    (nothing is loaded through it). ``connection``: an open DuckDB connection to the account's
    file (``opened_account_file``), which dlt then borrows instead of opening the file anew
    for every load job.
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
        destination = dlt.destinations.duckdb(connection or str(path))
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
