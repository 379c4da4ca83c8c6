"""dlt assets for Bitrix24: one Dagster asset per raw table, keyed ``[raw_bitrix24, <table>]``."""

import logging
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult
from dagster_dlt import DagsterDltResource, dlt_assets

from crm_kpi.config import RAW_SCHEMAS, export_warehouse_env
from crm_kpi.orchestration.defs.dlt.crm_ingestion import (
    WAREHOUSE_POOL,
    RawTableTranslator,
)
from crm_kpi.orchestration.defs.dlt.source_guard import guarded_load
from crm_kpi.preflight import bitrix24_missing_settings
from crm_kpi.sources.bitrix24 import bitrix24_source
from crm_kpi.sources.pipelines import LOADER_FILE_FORMAT, crm_pipeline

logger = logging.getLogger("crm_kpi.orchestration")


# The source object given here only describes the resources; no HTTP happens at load time.
@dlt_assets(
    dlt_source=bitrix24_source(portal="unconfigured", webhook_url="http://unconfigured/"),
    dlt_pipeline=crm_pipeline("bitrix24"),
    name="bitrix24_raw",
    dagster_dlt_translator=RawTableTranslator(RAW_SCHEMAS["bitrix24"]),
    pool=WAREHOUSE_POOL,
)
def bitrix24_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
    """Load every Bitrix24 method into ``raw_bitrix24`` (incremental, merged on primary keys)."""
    missing = bitrix24_missing_settings()
    if missing:
        # Raising would fail every amoCRM-only run, and yielding nothing would make Dagster
        # skip the dbt build downstream; so the step succeeds and says plainly that it did not
        # load (dbt reads a missing raw table as an empty one).
        reason = f"bitrix24 is not configured: set {', '.join(missing)}"
        logger.info("skipping Bitrix24: %s", reason)
        for key in context.selected_asset_keys:
            yield MaterializeResult(asset_key=key, metadata={"loaded": False, "reason": reason})
        return
    settings = export_warehouse_env()
    logger.info("loading Bitrix24 into raw_bitrix24 (dlt) ...")
    yield from guarded_load(
        context,
        lambda: dlt.run(
            context=context,
            dlt_source=bitrix24_source(),
            dlt_pipeline=crm_pipeline("bitrix24", settings),
            loader_file_format=LOADER_FILE_FORMAT,
        ),
    )
