"""dlt assets for Bitrix24: one Dagster asset per raw table, keyed ``[raw_bitrix24, <table>]``."""

import logging
from collections.abc import Iterator
from typing import Any

import dlt as dlt_lib
from dagster import AssetExecutionContext
from dagster_dlt import DagsterDltResource, dlt_assets

from crm_kpi.config import RAW_SCHEMAS, export_warehouse_env
from ingestion.bitrix24 import bitrix24_source
from ingestion.pipelines import LOADER_FILE_FORMAT, crm_pipeline
from orchestration.assets.crm_ingestion import (
    WAREHOUSE_POOL,
    RawTableTranslator,
    SourceNotConfigured,
)

logger = logging.getLogger("crm_kpi.orchestration")


def bitrix24_missing_settings() -> list[str]:
    """Environment variables still needed before Bitrix24 can be loaded (empty: ready)."""
    config = dlt_lib.config.get("sources.bitrix24.portal")
    webhook = dlt_lib.secrets.get("sources.bitrix24.webhook_url")
    token_file = dlt_lib.config.get("sources.bitrix24.token_file")
    missing = [] if config else ["SOURCES__BITRIX24__PORTAL"]
    if not webhook and not token_file:
        missing.append("SOURCES__BITRIX24__WEBHOOK_URL (or the OAuth settings)")
    return missing


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
        raise SourceNotConfigured(
            f"bitrix24 is not configured: set {', '.join(missing)}"
            " (environment or .dlt/secrets.toml)"
        )
    settings = export_warehouse_env()
    logger.info("loading Bitrix24 into raw_bitrix24 (dlt) ...")
    yield from dlt.run(
        context=context,
        dlt_source=bitrix24_source(),
        dlt_pipeline=crm_pipeline("bitrix24", settings),
        loader_file_format=LOADER_FILE_FORMAT,
    )
